//! Bounded mutation fuzzing of everything that parses untrusted bytes: the spreadsheet readers
//! (whole files, the XML inside an XLSX, the BIFF records inside an XLS), the signature stroke
//! parser, the rich-text sanitiser, the QR and pass tokens, and the multipart reader through the
//! real HTTP surface.
//!
//! Each target starts from its corpus (`fuzz/corpus/<target>/`, plus seeds built here for the
//! binary formats), replays every file in it as a regression test, then mutates for
//! `QINGLIAN_FUZZ_SECONDS` (default 5; CI gives each target 30). A panic fails the test and
//! saves the input under `target/fuzz-crashes/`; copy it into the corpus to keep it as a
//! regression. The seed of the random mutations is printed; `QINGLIAN_FUZZ_SEED` replays a run.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::harness::{Engine, TestApp};
use crate::samples;

/// A small, fast, reproducible generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that make parsers take unusual branches.
const INTERESTING: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"-1",
    b"4294967295",
    b"99999999999999999999",
    b"\"",
    b",",
    b"\r\n",
    b"<",
    b">",
    b"&#0;",
    b"]]>",
    b"\xe2\x80\xae",
    b"NaN",
    b"1e308",
    b"[",
    b"]",
    b"{",
    b"--",
    b"%",
];

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            2 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(at..at, piece.iter().copied());
            }
            3 if !out.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                out.drain(at.min(end)..end);
            }
            4 if !out.is_empty() => {
                // Repeat a slice: long runs are where lengths and counts overflow.
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(32)).min(out.len());
                let piece = out[start..end].repeat(1 + rng.below(64));
                out.splice(at..at, piece);
            }
            5 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let start = rng.below(other.len() + 1);
                let end = (start + rng.below(256)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            _ => {
                let digits = (rng.next() % 100_000_000).to_string();
                out.splice(at..at, digits.into_bytes());
            }
        }
    }
    out.truncate(1 << 20);
    out
}

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target)
}

fn load_corpus(target: &str, built: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut corpus = built;
    if let Ok(entries) = std::fs::read_dir(corpus_dir(target)) {
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        corpus.extend(files.iter().filter_map(|f| std::fs::read(f).ok()));
    }
    assert!(!corpus.is_empty(), "target {target} has a corpus");
    corpus
}

fn budget() -> Duration {
    let seconds = std::env::var("QINGLIAN_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    Duration::from_secs(seconds)
}

fn seed() -> u64 {
    std::env::var("QINGLIAN_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
            | 1
    })
}

fn save_crash(target: &str, input: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-crashes");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir
        .join(format!("{target}-{}", qinglian::services::auth::token_hash(&String::from_utf8_lossy(input))));
    let _ = std::fs::File::create(&path).and_then(|mut f| f.write_all(input));
    path
}

/// Replays the corpus, then mutates it for the budget; `check` must not panic.
fn fuzz(target: &str, built: Vec<Vec<u8>>, check: impl Fn(&[u8])) {
    let corpus = load_corpus(target, built);
    let seed = seed();
    let mut rng = Rng(seed);
    let run = |input: &[u8]| {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(input))).is_err() {
            panic!("fuzz target {target} panicked; input saved at {}", save_crash(target, input).display());
        }
    };
    corpus.iter().for_each(|c| run(c));
    let (until, mut runs) = (Instant::now() + budget(), 0u64);
    while Instant::now() < until {
        let base = rng.below(corpus.len());
        run(&mutate(&mut rng, &corpus[base], &corpus));
        runs += 1;
    }
    println!("fuzz {target}: {runs} inputs in {:?} (seed {seed}), no crash", budget());
}

fn small_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["姓名", "单位", "手机号码", "数量"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    sheet.write_string(2, 0, "张三").unwrap();
    sheet.write_number(2, 2, 13_700_000_001.0).unwrap();
    sheet.write_boolean(3, 1, true).unwrap();
    book.save_to_buffer().unwrap()
}

/// The workbook with one of its entries replaced.
fn repack(workbook: &[u8], entry: &str, contents: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(workbook)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().to_string();
        out.start_file(&name, options).unwrap();
        if name == entry {
            out.write_all(contents).unwrap();
        } else {
            std::io::copy(&mut file, &mut out).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

fn entry_of(workbook: &[u8], entry: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(workbook)).unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(entry).unwrap(), &mut out).unwrap();
    out
}

/// A BIFF8 workbook stream of one sheet: globals with a shared string, then number, label and
/// RK cells under a DIMENSIONS record.
fn biff_stream() -> Vec<u8> {
    let sst = (0x00FC, vec![1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, b'o', b'k']);
    let cells = [
        (0x0200, vec![0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 2, 0, 0, 0]),
        samples::number(0, 0, 1.0),
        (0x00FD, vec![1, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
        (0x027E, vec![2, 0, 0, 0, 0, 0, 0x02, 0, 0, 0]),
    ];
    samples::biff_stream(&[sst], &cells)
}

fn read(bytes: &[u8]) {
    let _ = qinglian::services::sheet::read_sheet(bytes);
}

#[test]
fn fuzz_spreadsheet_files() {
    let workbook = small_workbook();
    fuzz("spreadsheet", vec![workbook, samples::wrap_biff(&biff_stream())], read);
}

#[test]
fn fuzz_xlsx_parts() {
    let workbook = small_workbook();
    let parts = ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"];
    let seeds = parts.iter().map(|p| [p.as_bytes(), b"\0", &entry_of(&workbook, p)].concat()).collect();
    // Each input names the part it replaces, then a NUL, then the part.
    fuzz("xlsx_parts", seeds, |input| {
        let at = input.iter().position(|b| *b == 0).unwrap_or(0);
        let part = String::from_utf8_lossy(&input[..at]).to_string();
        if parts.contains(&part.as_str()) {
            read(&repack(&workbook, &part, &input[at + 1..]));
        }
    });
}

#[test]
fn fuzz_xls_records() {
    fuzz("xls_records", vec![biff_stream()], |stream| read(&samples::wrap_biff(stream)));
}

#[test]
fn fuzz_strokes() {
    fuzz("strokes", Vec::new(), |bytes| {
        if let Ok(s) = qinglian::services::signatures::Strokes::parse(&String::from_utf8_lossy(bytes)) {
            let svg = s.svg();
            assert!(!svg.contains("<script") && svg.matches('<').count() == 3, "only our own markup: {svg}");
        }
    });
}

#[test]
fn fuzz_rich_text() {
    fuzz("rich_text", Vec::new(), |bytes| {
        let clean = qinglian::services::works::sanitise_rules(&String::from_utf8_lossy(bytes)).to_lowercase();
        // Every tag left is an allowed one, with no handler, script URL or style in it.
        const ALLOWED: &[&str] = &["p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "h3", "h4"];
        for tag in clean.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("")) {
            let name: String =
                tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            assert!(ALLOWED.contains(&name.as_str()), "tag <{tag}> survived in {clean}");
            assert!(
                !tag.contains(" on") && !tag.contains("javascript:") && !tag.contains("style"),
                "<{tag}> in {clean}"
            );
        }
    });
}

async fn tokens_and_multipart(t: TestApp) {
    let signer = t.app.signer.clone();
    let now = qinglian::db::now();
    fuzz("tokens", vec![signer.qr_token(1, now).into_bytes(), signer.pass(1, now).into_bytes()], |bytes| {
        let token = String::from_utf8_lossy(bytes);
        let _ = signer.open_qr(&token, now);
        let _ = signer.open_pass(&token, now);
    });

    // The multipart reader through the real surface: any body gets an answer below 500.
    let org = t.api_as("jiwei").await;
    let corpus = load_corpus("multipart", Vec::new());
    let mut rng = Rng(seed());
    let (until, mut runs) = (Instant::now() + budget(), 0u64);
    let mut inputs: Vec<Vec<u8>> = corpus.clone();
    while Instant::now() < until || !inputs.is_empty() {
        let body = inputs.pop().unwrap_or_else(|| {
            let base = rng.below(corpus.len());
            mutate(&mut rng, &corpus[base], &corpus)
        });
        let resp = org
            .http
            .post(format!("{}/api/v1/campaigns/1/placements/import", org.base))
            .bearer_auth(org.token.clone().unwrap())
            .header("content-type", "multipart/form-data; boundary=x")
            .body(body.clone())
            .send()
            .await
            .expect("the server answers");
        if resp.status().is_server_error() {
            panic!(
                "multipart answered {}; input saved at {}",
                resp.status(),
                save_crash("multipart", &body).display()
            );
        }
        runs += 1;
    }
    println!("fuzz multipart: {runs} requests, no server error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_tokens_and_multipart() {
    crate::harness::run(Engine::Sqlite, tokens_and_multipart).await;
}
