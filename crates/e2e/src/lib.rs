//! End-to-end tests: the real server, driven by Debian's headless Chromium through
//! ChromeDriver, on a phone-sized window. The tests live in `tests/`; `scripts/setup` installs
//! the browser.
