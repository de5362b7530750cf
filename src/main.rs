fn main() -> std::process::ExitCode {
    postcal::cli::main()
}
