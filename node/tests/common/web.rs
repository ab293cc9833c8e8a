//! Harness for the HTTP API and the web UI: nodes that serve their API on a loopback port, a
//! small blocking HTTP client, and a thin WebDriver client for headless Chromium.
//!
//! The tests are plain `#[test]`s that own a multi-threaded tokio runtime: the nodes run on its
//! workers while the test thread makes blocking HTTP calls, as a browser or the CLI would.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use twinmesh_node::{Config, DataDir, Node};

use super::{TIMEOUT, init};

/// A node with its HTTP API on an OS-chosen loopback port.
pub struct ApiNode {
    pub dir: tempfile::TempDir,
    pub node: Option<Node>,
    pub name: String,
    pub url: String,
    pub token: String,
    pub api: SocketAddr,
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

fn api_config(dir: &tempfile::TempDir, api: SocketAddr) -> Config {
    let mut c = Config::new(DataDir::new(dir.path()));
    c.api = Some(api);
    c.mdns = false;
    c
}

impl ApiNode {
    pub fn start(rt: &tokio::runtime::Runtime, name: &str, country: &str) -> Self {
        Self::start_with(rt, name, country, |_| {})
    }

    /// Starts a node with a tweaked config.
    pub fn start_with(
        rt: &tokio::runtime::Runtime,
        name: &str,
        country: &str,
        tweak: impl Fn(&mut Config),
    ) -> Self {
        let dir = init(name, country);
        let mut config = api_config(&dir, SocketAddr::from(([127, 0, 0, 1], 0)));
        tweak(&mut config);
        let node = rt.block_on(Node::spawn(config)).expect("spawn");
        let api = node.api_addr().expect("api runs");
        let token = std::fs::read_to_string(dir.path().join("api.token")).expect("token").trim().to_string();
        Self { dir, node: Some(node), name: name.into(), url: format!("http://{api}"), token, api }
    }

    pub fn stop(&mut self, rt: &tokio::runtime::Runtime) {
        if let Some(n) = self.node.take() {
            rt.block_on(n.shutdown());
        }
    }

    /// Starts the node again on the same data dir and API port (the browser keeps its URL).
    pub fn restart(&mut self, rt: &tokio::runtime::Runtime) {
        self.stop(rt);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match rt.block_on(Node::spawn(api_config(&self.dir, self.api))) {
                Ok(n) => {
                    self.node = Some(n);
                    return;
                }
                Err(e) if Instant::now() < deadline => {
                    eprintln!("restart: {e}; retrying");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("restart failed: {e}"),
            }
        }
    }

    pub fn login_url(&self) -> String {
        twinmesh_node::http::login_url(&self.url, &self.token)
    }

    /// A request with the token; returns (status, JSON body or the text as a JSON string).
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        http(method, &format!("{}{path}", self.url), Some(&self.token), body.map(|b| b.to_string()))
    }

    pub fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = self.call(method, path, body);
        assert_eq!(status, 200, "{method} {path} answered {status}: {v}");
        v
    }

    pub fn id(&self) -> String {
        self.ok("GET", "/api/v1/status", None)["node"]["id"].as_str().expect("id").to_string()
    }

    /// Founds a space named `name` here and adds `partner` to it as an editor named
    /// `partner_name`; returns the space's id.
    pub fn found_partnership(&self, name: &str, partner: &ApiNode, partner_name: &str) -> String {
        let space = self.ok("POST", "/api/v1/spaces", Some(json!({"name": name})))["id"]
            .as_str()
            .expect("space")
            .to_string();
        self.ok(
            "POST",
            &format!("/api/v1/spaces/{space}/members"),
            Some(json!({"member": partner.id(), "name": partner_name})),
        );
        space
    }

    pub fn p2p_addr(&self, rt: &tokio::runtime::Runtime) -> String {
        let node = self.node.as_ref().expect("running");
        let addrs = rt.block_on(node.handle().listen_addrs()).expect("addrs");
        format!("{}/p2p/{}", addrs[0], node.handle().peer_id())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(TIMEOUT)).build().into()
}

/// One HTTP request with an optional bearer token and raw body.
pub fn http(method: &str, url: &str, token: Option<&str>, body: Option<String>) -> (u16, Value) {
    http_with(method, url, token, body, &[])
}

/// [`http`] with extra headers, e.g. `("Accept-Language", "de")`.
pub fn http_with(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let agent = agent();
    let mut req = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = match token {
        Some(t) => req.header("Authorization", format!("Bearer {t}")),
        None => req,
    };
    let req = req.header("Content-Type", "application/json");
    let resp = match body {
        Some(b) => agent.run(req.body(b).expect("request")),
        None => agent.run(req.body(()).expect("request")),
    };
    let mut resp = resp.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let text = resp.body_mut().with_config().limit(64 * 1024 * 1024).read_to_string().unwrap_or_default();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v)
}

/// Polls `f` until it returns true; panics after `limit`. Returns how long it took.
pub fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    loop {
        if f() {
            return start.elapsed();
        }
        if start.elapsed() > limit {
            panic!("timed out after {limit:?} waiting for: {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Where the browser tests save screenshots: `<target dir>/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.parent().unwrap_or(tmp).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

// ---------- WebDriver over HTTP (chromedriver) ----------

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process, killed on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver on a free port, or explains why it cannot.
    pub fn start() -> Result<Self, String> {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(bin).exists() {
                return Err(format!("{bin} is missing (apt-get install chromium chromium-driver)"));
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {CHROMEDRIVER}: {e}"))?;
        let d = Self { child, url: format!("http://127.0.0.1:{port}") };
        let start = Instant::now();
        loop {
            let ready = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(2)))
                .build()
                .new_agent()
                .get(format!("{}/status", d.url))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .map(|v| v["value"]["ready"] == json!(true))
                .unwrap_or(false);
            if ready {
                return Ok(d);
            }
            if start.elapsed() > TIMEOUT {
                return Err("chromedriver did not become ready".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A new headless Chromium window of the given size, its browser language British English.
    pub fn session(&self, width: u32, height: u32) -> Browser {
        self.session_in(width, height, "en-GB")
    }

    /// A new headless Chromium window whose browser language is `lang` (e.g. `fr-FR`).
    pub fn session_in(&self, width: u32, height: u32, lang: &str) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             format!("--window-size={width},{height}"),
                             format!("--user-data-dir={}", profile.path().display()),
                             format!("--lang={lang}"), "--no-first-run", "--no-default-browser-check"],
                    "prefs": {"intl.accept_languages": lang},
                },
                "goog:loggingPrefs": {"browser": "ALL"},
                "timeouts": {"script": 10000, "pageLoad": 20000, "implicit": 0},
            }}
        });
        let (status, v) = http("POST", &format!("{}/session", self.url), None, Some(caps.to_string()));
        assert_eq!(status, 200, "new session: {v}");
        let id = v["value"]["sessionId"].as_str().expect("session id").to_string();
        Browser { base: format!("{}/session/{id}", self.url), _profile: profile }
    }
}

/// One browser window.
pub struct Browser {
    base: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http("DELETE", &self.base, None, None);
    }
}

impl Browser {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = http(method, &format!("{}{path}", self.base), None, body.map(|b| b.to_string()));
        assert_eq!(status, 200, "webdriver {method} {path}: {v}");
        v["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    /// Runs a script (`return ...;`) with arguments and returns its result.
    pub fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({ "script": script, "args": args })))
    }

    /// Waits until a CSS selector matches an element; returns its WebDriver element id.
    pub fn find(&self, css: &str) -> String {
        let mut found = String::new();
        wait_for(&format!("element {css}"), TIMEOUT, || {
            let (status, v) = http(
                "POST",
                &format!("{}/element", self.base),
                None,
                Some(json!({"using": "css selector", "value": css}).to_string()),
            );
            if status == 200
                && let Some(Value::String(id)) = v["value"].as_object().and_then(|o| o.values().next())
            {
                found = id.clone();
                return true;
            }
            false
        });
        found
    }

    pub fn click(&self, css: &str) {
        let el = self.find(css);
        self.cmd("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    /// Types keys into an element (WebDriver key codes allowed, e.g. "\u{E004}" for Tab).
    pub fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.cmd("POST", &format!("/element/{el}/value"), Some(json!({ "text": text })));
    }

    pub fn clear(&self, css: &str) {
        let el = self.find(css);
        self.cmd("POST", &format!("/element/{el}/clear"), Some(json!({})));
    }

    pub fn value(&self, css: &str) -> String {
        self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
            vec![json!(css)],
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    pub fn text(&self, css: &str) -> String {
        self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
            vec![json!(css)],
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    pub fn set_size(&self, width: u32, height: u32) {
        self.cmd("POST", "/window/rect", Some(json!({ "width": width, "height": height })));
    }

    pub fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", None);
        let bytes = data_encoding::BASE64
            .decode(b64.as_str().unwrap_or_default().as_bytes())
            .expect("base64 screenshot");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, bytes).expect("write screenshot");
        path
    }

    /// Browser console entries since the last call (chromedriver's log endpoint).
    pub fn console(&self) -> Vec<(String, String)> {
        let (status, v) = http(
            "POST",
            &format!("{}/se/log", self.base),
            None,
            Some(json!({"type": "browser"}).to_string()),
        );
        if status != 200 {
            return Vec::new();
        }
        v["value"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["level"].as_str().unwrap_or_default().to_string(),
                            e["message"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Chromium through chromedriver, or `None` (with a SKIPPED line) where it is missing and the
/// test is not required to run.
pub fn driver_or_skip(test: &str) -> Option<Driver> {
    match Driver::start() {
        Ok(d) => Some(d),
        Err(why) => {
            assert!(
                !super::real_components_required(),
                "headless Chromium unavailable: {why}; in CI this test must run"
            );
            eprintln!("SKIPPED {test}: {why}");
            None
        }
    }
}

/// Signs in at `node`'s login URL (the token leaves the address bar) as `officer`.
pub fn sign_in(b: &Browser, node: &ApiNode, officer: &str) {
    b.goto(&node.login_url());
    b.find("#live.on");
    assert!(!b.url().contains("token="), "the token is removed from the address bar");
    b.clear("#officer");
    b.type_into("#officer", &format!("{officer}\u{E004}"));
}

/// Buttons and inputs of an element that are off-screen, squeezed to nothing, or the page
/// scrolling sideways: what an officer on a tablet or phone could not reach. Controls not shown
/// at all (`hidden`, such as an admin's forms on an editor's page) are not reachable by design.
pub const OFF_SCREEN_JS: &str = "\
    const vw = document.documentElement.clientWidth; const out = [];\
    for (const e of document.querySelector(arguments[0]).querySelectorAll('button, input:not([type=date]), select')) {\
      if (e.getClientRects().length === 0) continue;\
      const r = e.getBoundingClientRect();\
      if (r.left < 0 || r.right > vw + 0.5 || r.width < 24) out.push(`${e.outerHTML.slice(0, 70)} at ${Math.round(r.left)}..${Math.round(r.right)} of ${vw}`);\
    }\
    if (document.documentElement.scrollWidth > vw) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);\
    return out;";
