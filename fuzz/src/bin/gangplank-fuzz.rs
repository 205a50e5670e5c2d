//! The AFL++ harness: `gangplank-fuzz TARGET` runs one target of `targets.rs` in AFL's persistent mode (see
//! FUZZING.md for the commands). Outside AFL it reads one input from standard input and runs it once.
fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(target) = gangplank_fuzz::targets::by_name(&name) else {
        let names: Vec<&str> = gangplank_fuzz::targets::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!("usage: gangplank-fuzz TARGET (one of: {})", names.join(", "));
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| target(data));
}
