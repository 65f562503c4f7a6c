//! Times `docvar infer` on a synthetic group: COPIES near-duplicate copies of one page of LINES
//! lines each (product names and URL sections in many places, about 1% of lines drifted in
//! each copy), and checks the result re-renders every copy.
//!
//! ```text
//! cargo run --release -p docvar-bench --example infer-bench -- 50 5000
//! ```

use std::time::Instant;

/// SplitMix64: tiny, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const WORDS: &[&str] = &[
    "the",
    "subscriber",
    "is",
    "responsible",
    "for",
    "backing",
    "up",
    "data",
    "Auth0",
    "will",
    "provide",
    "support",
    "issues",
    "within",
    "core",
    "of",
    "and",
    "monitoring",
    "updates",
    "infrastructure",
    "engineer",
    "deployment",
    "environments",
    "configuration",
    "cloud",
    "edge",
    "service",
    "node",
    "cluster",
    "with",
    "a",
    "to",
    "on",
    "in",
    "each",
    "team",
];
const NAMES: &[&str] = &[
    "Cloud",
    "Edge",
    "Private",
    "SaaS",
    "Appliance",
    "Hub",
    "One",
    "Data",
    "Core",
    "Plus",
    "Enterprise",
    "Gov",
    "EU",
    "Lite",
];

fn template(rng: &mut Rng, lines: usize) -> String {
    let mut t = String::from(
        "---\ndescription: How the {{product}} divides responsibilities.\nsection: {{section}}\n---\n\n# {{product_title}}: Roles\n\n",
    );
    let mut n = 0;
    while n < lines {
        match rng.below(10) {
            0 => t.push_str(&format!("## {} {}\n", rng.pick(WORDS), rng.pick(WORDS))),
            1 => t.push_str(&format!(
                "|{} {}|R|A|See [the {{{{product}}}} guide](/{{{{section}}}}/{}).|\n",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(WORDS)
            )),
            2 => t.push_str(&format!(
                "* [{}](/{{{{section}}}}/{})\n",
                rng.pick(WORDS),
                rng.pick(WORDS)
            )),
            _ => {
                let len = 8 + rng.below(20);
                let mut line: Vec<String> = (0..len).map(|_| rng.pick(WORDS).to_string()).collect();
                if rng.below(3) == 0 {
                    let at = rng.below(len);
                    line[at] = "{{product}}".into();
                }
                t.push_str(&line.join(" "));
                t.push_str(".\n");
            }
        }
        n += 1;
    }
    t
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("usage: infer-bench COPIES LINES"))
        .collect();
    let copies = args.first().copied().unwrap_or(50);
    let lines = args.get(1).copied().unwrap_or(5000);
    let mut rng = Rng(7);
    let template = template(&mut rng, lines);
    let mut seen = std::collections::HashSet::new();
    let mut inputs = Vec::new();
    while inputs.len() < copies {
        let words = 1 + rng.below(3);
        let name: Vec<&str> = (0..words).map(|_| rng.pick(NAMES)).collect();
        let name = name.join(" ");
        if !seen.insert(name.clone()) {
            continue;
        }
        let section = name.to_lowercase().replace(' ', "-");
        // The template holds only these three plain variables: substitution is its render.
        let page = template
            .replace("{{product_title}}", &format!("Auth0 {name}"))
            .replace("{{product}}", &name)
            .replace("{{section}}", &section);
        // About 1% of lines drifted: one word of a sentence edited, dropped or doubled.
        let drifted: Vec<String> = page
            .lines()
            .map(|l| {
                if rng.below(100) != 0 || !l.ends_with('.') || l.starts_with(['|', '*', '#']) {
                    return l.to_string();
                }
                let mut words: Vec<String> = l.split(' ').map(String::from).collect();
                let at = rng.below(words.len());
                match rng.below(3) {
                    0 => words[at] = format!("{}{}", words[at], rng.pick(&["s", "ed", "ing"])),
                    1 => {
                        words.remove(at);
                    }
                    _ => words.insert(at, rng.pick(WORDS).to_string()),
                }
                words.join(" ")
            })
            .collect();
        inputs.push((format!("v{}", inputs.len()), drifted.join("\n") + "\n"));
    }
    let bytes: usize = inputs.iter().map(|c| c.1.len()).sum();
    for exact in [false, true] {
        let start = Instant::now();
        let inferred = docvar::infer::infer("page", &inputs, exact).expect("near-duplicates");
        let took = start.elapsed();
        let reproduced = (0..copies)
            .filter(|&i| inferred.render(i).as_deref() == Ok(inputs[i].1.as_str()))
            .count();
        println!(
            "infer{} {copies} copies x {lines} lines ({:.1} MB): {:.2} s, {} variables, {} drift spans, {reproduced}/{copies} copies re-rendered byte for byte",
            if exact { " --exact" } else { "" },
            bytes as f64 / 1e6,
            took.as_secs_f64(),
            inferred.variables.len(),
            inferred.drift.len(),
        );
        if !exact {
            for v in &inferred.variables {
                println!("  {} = {:?}, … ({} uses)", v.name, &v.values[..2], v.uses);
            }
        }
    }
}
