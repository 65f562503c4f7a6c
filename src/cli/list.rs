//! `docvar list`: pages x variants and the variables each page uses.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use docvar::project::Project;
use docvar::render::Renderer;

use super::Result;

/// Prints the variants, then each page with its variables and each variant's files.
pub fn run(root: &Path, stdout: &mut dyn Write) -> Result<ExitCode> {
    let project = Project::load(root)?;
    let renderer = Renderer::new(&project)?;
    let slugs: Vec<&str> = project.variants.iter().map(|v| v.slug.as_str()).collect();
    writeln!(stdout, "variants: {}\n", slugs.join(", "))?;
    for page in &project.pages {
        writeln!(stdout, "{} ({})", page.name, page.path.display())?;
        writeln!(
            stdout,
            "  variables: {}",
            renderer.variables(&page.name).join(", ")
        )?;
        for v in &project.variants {
            let settings = v.page(&page.name);
            let published: Vec<String> = settings
                .published
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            writeln!(
                stdout,
                "  {:<20} -> {}/{}/{}.md{}",
                v.slug,
                project.config.out.display(),
                v.slug,
                page.name,
                if published.is_empty() {
                    String::new()
                } else {
                    format!("  (published: {})", published.join(", "))
                }
            )?;
        }
        writeln!(stdout)?;
    }
    Ok(ExitCode::SUCCESS)
}
