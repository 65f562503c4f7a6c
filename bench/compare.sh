#!/usr/bin/env bash
# docvar side by side with what a docs team would otherwise run, in one run, on a synthetic
# corpus (bench/examples/gen-corpus.rs): pandoc for the plain-text export and `git diff --no-index
# --word-diff` for drift. Prints a Markdown table of medians, ratios and peak RSS, and writes it
# with the machine's details to bench/RESULTS.md.
#
#   bash bench/compare.sh            # from a fresh clone; installs hyperfine, pandoc, time, git
#
# Environment: RUNS (hyperfine runs per docvar/git command, default 5), PANDOC_RUNS (default 3),
# PANDOC_SAMPLE (pages pandoc converts, default 500), BENCH_DIR (default target/bench-corpus),
# QUICK=1 (tiny corpora, a smoke test of this script; the results are not meaningful),
# FLAT=0 (skip the 80,000-page memory corpus: about 1.7 GB of disk while it runs).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
work=${BENCH_DIR:-$repo/target/bench-corpus}
runs=${RUNS:-5}
pandoc_runs=${PANDOC_RUNS:-3}
sample=${PANDOC_SAMPLE:-500}
# Variants x 100 pages: 1,000 / 10,000 / 50,000 pages. The big copy: a ~7 MB page whose drifted
# copy (half its non-blank lines edited, a fifth of those deleted) is ~5 MB.
v1k=10 v10k=100 v50k=500 big_kb=7300
# Memory as the estate grows (issue #18): products x 2 pages, each with a published copy:
# 10,000 / 40,000 / 80,000 pages.
vm10k=5000 vm40k=20000 vm80k=40000
if [ "${QUICK:-0}" = 1 ]; then
    v1k=2 v10k=4 v50k=6 big_kb=300 sample=20 runs=2 pandoc_runs=1
    vm10k=50 vm40k=200 vm80k=400
fi
pages=100

log() { printf '==> %s\n' "$*" >&2; }

# --- Tools (Debian packages) -----------------------------------------------------------------
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v pandoc >/dev/null || missing+=(pandoc)
command -v git >/dev/null || missing+=(git)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Build -----------------------------------------------------------------------------------
log "building docvar and the corpus generator (release)"
cargo build --release --locked --bin docvar
cargo build --release --locked -p docvar-bench --example gen-corpus
docvar=$repo/target/release/docvar
gen=$repo/target/release/examples/gen-corpus

# --- Corpora ---------------------------------------------------------------------------------
# Nothing is deleted until the end: on ext4, inodes freed in the last minute or so are skipped
# when files are created, so deleting 20,000 files just before a timed run makes that run pay
# for the deletion. Old corpora and each run's output folder are moved into $trash instead.
trash=$work.trash
mkdir -p "$trash"
cleanup() { rm -rf "$trash"; }
trap cleanup EXIT
if [ -e "$work" ]; then mv "$work" "$(mktemp -d "$trash/old.XXXXXX")/"; fi
mkdir -p "$work"
c1k=$work/c1k c10k=$work/c10k c50k=$work/c50k big=$work/big
log "writing corpora into $work"
"$gen" --out "$c1k" --variants "$v1k" --pages "$pages" --drift 0.01
"$gen" --out "$c10k" --variants "$v10k" --pages "$pages" --drift 0.01
"$gen" --out "$c50k" --variants "$v50k" --pages "$pages" --no-published
"$gen" --out "$big" --variants 1 --pages 0 --big-page-kb "$big_kb" --drift 0.5
n1k=$((v1k * pages)) n10k=$((v10k * pages)) n50k=$((v50k * pages))
slug=$(ls "$big/published")
big_exp=$big/rendered/$slug/big-page.md
big_pub=$big/published/$slug/big-page.md

# The pages pandoc converts: every k-th of the 10,000 rendered Markdown pages.
list=$work/pandoc-sample.txt
find "$c10k/rendered" -name '*.md' | sort | awk -v k=$((n10k / sample)) 'NR % k == 1' >"$list"
sample=$(wc -l <"$list")
scale=$(awk -v a="$n10k" -v b="$sample" 'BEGIN { printf "%g", a / b }')

# pandoc, one process per page, as a docs team's script would run it.
cat >"$work/pandoc-each.sh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
mkdir -p "$1"
i=0
while IFS= read -r f; do
    i=$((i + 1))
    pandoc -f markdown -t plain --wrap=none "$f" -o "$1/$i.txt"
done <"$2"
EOF
# pandoc batched: one process reads and writes every page (a Lua filter calling pandoc.read
# and pandoc.write per file). Concatenating the pages into one document is no alternative:
# pandoc's time grows faster than linearly with document size (500 pages: ~3 minutes).
cat >"$work/pandoc-batch.lua" <<'EOF'
function Pandoc(doc)
  local out, n = os.getenv("BATCH_OUT"), 0
  for path in io.lines(os.getenv("BATCH_LIST")) do
    local f = assert(io.open(path)); local text = f:read("a"); f:close()
    n = n + 1
    local o = assert(io.open(out .. "/" .. n .. ".txt", "w"))
    o:write(pandoc.write(pandoc.read(text, "markdown"), "plain", {wrap_text = "wrap-none"}))
    o:close()
  end
  return doc
end
EOF

sync
sleep 2

# --- Measuring ---------------------------------------------------------------------------------
results=$work/results.csv
: >"$results"
# hf NAME RUNS PREPARE COMMAND: hyperfine's median (seconds) of COMMAND, PREPARE run before each
# run (":" for nothing); exit codes ignored (diffs exit 1 on drift).
hf() {
    local name=$1 n=$2 prepare=$3 cmd=$4 csv
    csv=$(mktemp)
    hyperfine --style basic --ignore-failure --warmup 1 --runs "$n" --prepare "$prepare" \
        --export-csv "$csv" --command-name "$name" "$cmd" >&2
    awk -F, 'NR == 2 { print $4 }' "$csv"
    rm -f "$csv"
}
# rss PREPARE COMMAND: peak resident set size in MB (the largest process, children included).
rss() {
    local prepare=$1 cmd=$2 f
    f=$(mktemp)
    bash -c "$prepare"
    /usr/bin/time -v -o "$f" bash -c "$cmd" >/dev/null 2>&1 || true
    awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$f"
    rm -f "$f"
}
# Moves a folder aside (see above) so the next run starts without it, and flushes the last
# run's writes so their write-back does not compete with the next run for the CPUs.
away() { echo "if [ -e '$1' ]; then mv '$1' \"\$(mktemp -d '$trash/run.XXXXXX')/\"; fi; sync"; }

log "1. generate $n10k pages (Markdown + text) vs pandoc"
gen10k_prep=$(away "$c10k/out")
gen10k_cmd="'$docvar' -C '$c10k' generate --quiet"
t_gen10k=$(hf "docvar generate" "$runs" "$gen10k_prep" "$gen10k_cmd")
m_gen10k=$(rss "$gen10k_prep" "$gen10k_cmd")
t_fresh10k=$(hf "docvar generate (up to date)" "$runs" ":" "$gen10k_cmd")
m_fresh10k=$(rss ":" "$gen10k_cmd")
t_export=$(hf "docvar export" "$runs" ":" "'$docvar' export \$(cat '$list') >/dev/null")
m_export=$(rss ":" "'$docvar' export \$(cat '$list') >/dev/null")
each_prep=$(away "$work/pandoc-each")
each_cmd="bash '$work/pandoc-each.sh' '$work/pandoc-each' '$list'"
t_each=$(hf "pandoc per page" "$pandoc_runs" "$each_prep" "$each_cmd")
m_each=$(rss "$each_prep" "$each_cmd")
batch_prep="$(away "$work/pandoc-batch"); mkdir -p '$work/pandoc-batch'"
batch_cmd="BATCH_LIST='$list' BATCH_OUT='$work/pandoc-batch' pandoc -f markdown -t plain --lua-filter '$work/pandoc-batch.lua' -o /dev/null /dev/null"
t_batch=$(hf "pandoc batched" "$pandoc_runs" "$batch_prep" "$batch_cmd")
m_batch=$(rss "$batch_prep" "$batch_cmd")

log "2. diff $n1k published copies vs git diff --no-index --word-diff"
diff_cmd="'$docvar' -C '$c1k' diff --quiet --published '$c1k/published' >/dev/null"
git_cmd="git diff --no-index --word-diff '$c1k/rendered' '$c1k/published' >/dev/null"
t_diff=$(hf "docvar diff" "$runs" ":" "$diff_cmd")
m_diff=$(rss ":" "$diff_cmd")
t_git=$(hf "git diff" "$runs" ":" "$git_cmd")
m_git=$(rss ":" "$git_cmd")

log "3. one large copy, half its lines edited, vs git diff"
bigd_cmd="'$docvar' -C '$big' diff --quiet --page big-page --variant '$slug' '$big_pub' >/dev/null"
bigg_cmd="git diff --no-index --word-diff '$big_exp' '$big_pub' >/dev/null"
t_bigd=$(hf "docvar diff (large)" "$runs" ":" "$bigd_cmd")
m_bigd=$(rss ":" "$bigd_cmd")
t_bigg=$(hf "git diff (large)" "$runs" ":" "$bigg_cmd")
m_bigg=$(rss ":" "$bigg_cmd")
approx=$("$docvar" -C "$big" diff --page big-page --variant "$slug" "$big_pub" 2>/dev/null |
    grep -c 'time limit' || true)
big_mb=$(awk -v b="$(wc -c <"$big_pub")" 'BEGIN { printf "%.1f", b / 1048576 }')
exp_mb=$(awk -v b="$(wc -c <"$big_exp")" 'BEGIN { printf "%.1f", b / 1048576 }')
# Share of the rendered page's non-blank lines (blank ones are never edited) that the copy
# does not have as they are.
changed=$(git diff --no-index --numstat "$big_exp" "$big_pub" | awk -v t="$(grep -c . "$big_exp")" \
    '{ printf "%.0f", 100 * $2 / t }' || true)

log "5. memory: generate and diff at $((vm10k * 2)) / $((vm40k * 2)) pages"
# One corpus at a time (the largest are about 0.9 and 1.7 GB with their out/), deleted after.
# Each variant file declares its copies, as a docs team's do: a plain `diff` checks them, and
# `diff --published` lists the same copies from their folder instead.
mem_rows="" m_gen40k="" m_diff40k="" m_decl40k=""
mem_sizes="$vm10k $vm40k"
if [ "${FLAT:-1}" = 1 ]; then mem_sizes+=" $vm80k"; fi
for nv in $mem_sizes; do
    cm=$work/mem$nv
    "$gen" --out "$cm" --variants "$nv" --pages 2 --drift 0.01 --declare >/dev/null
    gm=$(rss "$(away "$cm/out")" "'$docvar' -C '$cm' generate --quiet")
    um=$(rss ":" "'$docvar' -C '$cm' generate --quiet")
    dm=$(rss ":" "'$docvar' -C '$cm' diff --quiet --published '$cm/published' >/dev/null")
    cd_=$(rss ":" "'$docvar' -C '$cm' diff --quiet >/dev/null")
    mem_rows+="| $((nv * 2)) pages ($nv products x 2) | $gm MB | $um MB | $dm MB | $cd_ MB |"$'\n'
    if [ "$nv" = "$vm40k" ]; then m_gen40k=$gm m_diff40k=$dm m_decl40k=$cd_; fi
    rm -rf "$cm"
done

log "4. scaling: generate at $n1k / $n10k / $n50k pages"
t_gen1k=$(hf "generate 1k" "$runs" "$(away "$c1k/out")" "'$docvar' -C '$c1k' generate --quiet")
m_gen1k=$(rss "$(away "$c1k/out")" "'$docvar' -C '$c1k' generate --quiet")
t_gen50k=$(hf "generate 50k" "$runs" "$(away "$c50k/out")" "'$docvar' -C '$c50k' generate --quiet")
m_gen50k=$(rss "$(away "$c50k/out")" "'$docvar' -C '$c50k' generate --quiet")

# --- Report ----------------------------------------------------------------------------------
f() { awk -v t="$1" 'BEGIN { if (t < 1) printf "%.0f ms", t * 1000; else printf "%.2f s", t }'; }
x() { awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; if (r >= 10) printf "%.0fx", r; else printf "%.2fx", r }'; }
ext() { awk -v t="$1" -v s="$scale" 'BEGIN { printf "%.6f", t * s }'; }
us() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.0f µs", 1e6 * t / n }'; }
t_each10k=$(ext "$t_each")
t_batch10k=$(ext "$t_batch")
t_export10k=$(ext "$t_export")
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
cores=$(nproc)

table=$(
    cat <<EOF
| case | docvar | compared with | its time | speed-up (its time ÷ docvar's) | peak RSS docvar / it |
|---|---|---|---|---|---|
| generate $n10k pages, Markdown + text, into an empty out/ | $(f "$t_gen10k") | pandoc \`-t plain --wrap=none\`, one process per page ($sample pages timed, x$scale) | $(f "$t_each10k") | **$(x "$t_each10k" "$t_gen10k")** | $m_gen10k MB / $m_each MB |
| same | $(f "$t_gen10k") | pandoc, one process for all pages (Lua \`pandoc.read\`/\`write\`; $sample pages timed, x$scale) | $(f "$t_batch10k") | **$(x "$t_batch10k" "$t_gen10k")** | $m_gen10k MB / $m_batch MB |
| text export only, the same $sample pages, one process (\`docvar export\`) | $(f "$t_export") | pandoc, one process (as above) | $(f "$t_batch") | $(x "$t_batch" "$t_export") | $m_export MB / $m_batch MB |
| generate $n10k pages, out/ already up to date (nothing written) | $(f "$t_fresh10k") | | | | $m_fresh10k MB |
| drift of $n1k published copies (\`diff --published\`) | $(f "$t_diff") | \`git diff --no-index --word-diff\` on the two folders | $(f "$t_git") | **$(x "$t_git" "$t_diff")** | $m_diff MB / $m_git MB |
| one $big_mb MB copy, ${changed}% of the $exp_mb MB page's non-blank lines edited | $(f "$t_bigd") | \`git diff --no-index --word-diff\` on the pair | $(f "$t_bigg") | $(x "$t_bigg" "$t_bigd") | $m_bigd MB / $m_bigg MB |

| generate (Markdown + text, empty out/) | median | per page | peak RSS |
|---|---|---|---|
| $n1k pages | $(f "$t_gen1k") | $(us "$t_gen1k" "$n1k") | $m_gen1k MB |
| $n10k pages | $(f "$t_gen10k") | $(us "$t_gen10k" "$n10k") | $m_gen10k MB |
| $n50k pages | $(f "$t_gen50k") | $(us "$t_gen50k" "$n50k") | $m_gen50k MB |

| memory as the estate grows | generate, empty out/ | generate, up to date | \`diff --published\` (human) | \`diff\` of the declared copies |
|---|---|---|---|---|
${mem_rows%$'\n'}
EOF
)

verdict() { # label value op limit unit
    if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == "<" && v < l) || (op == ">=" && v >= l) || (op == "<=" && v <= l)) }'; then
        echo "- met: $1 ($2$5, target $3 $4$5)"
    else
        echo "- **missed**: $1 ($2$5, target $3 $4$5)"
    fi
}
targets=$(
    verdict "generate + text of $n10k pages" "$(awk -v t="$t_gen10k" 'BEGIN { printf "%.2f", t }')" "<" 1 " s"
    verdict "speed-up over pandoc per page" "$(awk -v a="$t_each10k" -v b="$t_gen10k" 'BEGIN { printf "%.0f", a / b }')" ">=" 50 "x"
    verdict "drift of $n1k copies, docvar's time ÷ git diff's" "$(awk -v a="$t_diff" -v b="$t_git" 'BEGIN { printf "%.2f", a / b }')" "<=" 1.0 ""
    verdict "the large copy" "$(awk -v t="$t_bigd" 'BEGIN { printf "%.2f", t }')" "<" 2 " s"
    verdict "peak RSS at $n10k pages" "$m_gen10k" "<" 200 " MB"
    verdict "generate's peak RSS at $((vm40k * 2)) pages" "$m_gen40k" "<=" 250 " MB"
    verdict "diff --published's peak RSS at $((vm40k * 2)) pages" "$m_diff40k" "<=" 250 " MB"
    verdict "diff's peak RSS at $((vm40k * 2)) declared copies" "$m_decl40k" "<=" 250 " MB"
)
if [ "$approx" != 0 ]; then
    targets+=$'\n'"- the large copy's diff hit its time limit: its hunks are approximate (docvar says so)"
fi

report=$(
    cat <<EOF
# Benchmarks

\`bash bench/compare.sh\` on $(date -u +%Y-%m-%d): $cores cores ($cpu), $(uname -sr).
docvar $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '(no git)'), $(pandoc --version | head -1),
$(git --version), $(hyperfine --version). Medians of $runs runs (pandoc: $pandoc_runs) after one warm-up.

$table

Targets:
$targets

Notes:
- The corpus is \`bench/examples/gen-corpus.rs\`: 100 page templates of about 5 KB (front matter, a
  shared partial, headings, paragraphs with links, bullet and numbered lists, two pipe tables
  and an HTML table), product names of two or three words, and per page a published copy with
  about 1% of its lines edited (a word changed, a line deleted, a table row moved).
- docvar's generate renders each page from its template and writes both the Markdown and the
  plain text (20,000 files for 10,000 pages, each through a temp file and a rename); pandoc
  only converts the already rendered Markdown to text. Each timed generate starts from an
  empty out/ (the previous one moved aside, not deleted, and flushed with \`sync\`; see the
  script). Timings that create 20,000 files depend on the file system's state: runs right after
  deleting or writing many files elsewhere were up to 1.5x slower.
- pandoc is timed on $sample of the $n10k pages (every $((n10k / sample))th) and the time
  multiplied by $scale; one process per page is what a script looping over the pages does.
- Peak RSS is /usr/bin/time's maximum resident set size of the largest process.
EOF
)
mkdir -p "$repo/bench"
if [ "${QUICK:-0}" = 1 ]; then
    out=$work/RESULTS.md
else
    out=$repo/bench/RESULTS.md
fi
# Hand-written notes (the profile) below this marker in RESULTS.md survive a new run.
marker='<!-- compare.sh keeps what follows -->'
kept=""
if [ -f "$out" ] && grep -qF "$marker" "$out"; then
    kept=$(sed -n "/$marker/,\$p" "$out")
fi
printf '%s\n' "$report" >"$out"
if [ -n "$kept" ]; then printf '\n%s\n' "$kept" >>"$out"; fi
printf '%s\n\n%s\n\n(written to %s)\n' "$table" "$targets" "$out"
