//! The redirect list for the help center: which redirects, and their CSV and JSON bodies.

use super::*;

/// Splits off URL redirects whose source another variant still renders under (its `section`
/// in [vars] or a page override): such a redirect would capture that product's pages.
pub(super) fn drop_captured(
    project: &Project,
    renamed: &str,
    redirects: Vec<Redirect>,
) -> (Vec<Redirect>, Vec<LeftOut>) {
    let mut keep = Vec::new();
    let mut left = Vec::new();
    for r in redirects {
        let rendered_by: Vec<String> = project
            .variants
            .iter()
            .filter(|v| v.slug != renamed)
            .filter(|v| match r.kind {
                "url" => v
                    .vars
                    .get(SECTION_VAR)
                    .into_iter()
                    .chain(v.pages.values().filter_map(|p| p.vars.get(SECTION_VAR)))
                    .filter_map(|s| s.as_str())
                    .any(|s| format!("/{s}/") == r.from),
                _ => Path::new(&r.from).starts_with(project.config.out.join(&v.slug)),
            })
            .map(|v| v.slug.clone())
            .collect();
        if rendered_by.is_empty() {
            keep.push(r);
        } else {
            left.push(LeftOut {
                redirect: r,
                rendered_by,
            });
        }
    }
    (keep, left)
}

pub(super) fn redirect_bodies(redirects: &[Redirect]) -> [String; 2] {
    let mut csv = String::from("kind,from,to\n");
    for r in redirects {
        csv.push_str(&format!(
            "{},{},{}\n",
            r.kind,
            csv_field(&r.from),
            csv_field(&r.to)
        ));
    }
    let json = serde_json::to_string_pretty(redirects).unwrap_or_default() + "\n";
    [csv, json]
}

pub(super) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
