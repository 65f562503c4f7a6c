//! `docvar man`: one roff man page generated from the same clap definition.

use std::io::Write;
use std::process::ExitCode;

use docvar::error::Error;

use super::Result;

/// Prints the man page for `cmd`, the whole command line's definition.
pub fn run(cmd: clap::Command, stdout: &mut dyn Write) -> Result<ExitCode> {
    let page = man_page(cmd).map_err(|e| Error::msg(format!("cannot render the man page: {e}")))?;
    stdout.write_all(page.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// One page documenting every subcommand and its options (clap_mangen's own page lists the
/// subcommands as `docvar-generate(1)` pages, which are not installed anywhere).
fn man_page(mut cmd: clap::Command) -> std::io::Result<String> {
    use clap_mangen::Man;
    cmd.build();
    let section = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        render(&mut buf).map(|_| String::from_utf8_lossy(&buf).into_owned())
    };
    // Without roff's preamble (each render repeats it; the title keeps it).
    let bare = |text: String| -> String {
        text.lines()
            .filter(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    // A section's body: bare, and without its `.SH` heading.
    let body = |text: String| -> String {
        bare(text)
            .lines()
            .filter(|l| !l.starts_with(".SH "))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let examples = |text: String| format!(".nf\n{}.fi\n", body(text));
    let man = Man::new(cmd.clone());
    let mut page = String::new();
    page += &section(&|w| man.render_title(w))?;
    page += &bare(section(&|w| man.render_name_section(w))?);
    page += &bare(section(&|w| man.render_synopsis_section(w))?);
    page += &bare(section(&|w| man.render_description_section(w))?);
    page += &bare(section(&|w| man.render_options_section(w))?);
    page += ".SH COMMANDS\n";
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        // Global options (-C) are documented once, above.
        let m = Man::new(
            sub.clone()
                .mut_args(|a| if a.is_global_set() { a.hide(true) } else { a }),
        );
        page += &format!(".SS \"docvar {}\"\n", sub.get_name());
        page += &body(section(&|w| m.render_synopsis_section(w))?);
        page += ".PP\n";
        page += &body(section(&|w| m.render_description_section(w))?);
        page += &body(section(&|w| m.render_options_section(w))?);
        if sub.get_after_help().is_some() {
            page += ".PP\n";
            page += &examples(section(&|w| m.render_extra_section(w))?);
        }
    }
    page += ".SH EXAMPLES\n";
    page += &examples(section(&|w| man.render_extra_section(w))?);
    page += &bare(section(&|w| man.render_version_section(w))?);
    Ok(page)
}
