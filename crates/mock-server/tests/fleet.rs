//! A fleet behaves as one mock: three real `mock-server` processes share one real
//! `redis-server` (`--state-url`), some requests reach them through a real nginx run with
//! the configuration the compose file ships (deploy/nginx/fleet.conf.template), and every
//! property of docs/ARCHITECTURE.md, "A fleet of replicas", is held against them. Each
//! test starts its own Redis, replicas and balancer on free loopback ports, and stops
//! them when it ends, passed or failed.
//!
//! Needs Debian's `redis-server` and `nginx` packages (.ci/run installs them): without
//! them every test here fails and says what to install.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_mock-server");
/// The instant every replica's clock starts frozen at.
const NOW: &str = "2026-11-20T12:00:00+08:00";
/// How long anything here may take to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// One fleet at a time: three debug builds generating their datasets at once already
/// fill this machine's two cores.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A program of a Debian package, or a failure that says which package to install.
fn program(name: &str, package: &str) -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map(PathBuf::from));
    for dir in candidates {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "the fleet tests need `{name}`: install Debian's {package} package \
         (apt-get install {package}); .ci/run installs it when missing"
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A scratch folder of this test under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fleet-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(started.elapsed() < START_TIMEOUT, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process, stopped when dropped: asked with SIGTERM (nginx's master then stops
/// its workers, which a SIGKILL would leave running), killed if it is still there after
/// a few seconds.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let asked = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        let started = Instant::now();
        while asked && started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis(port: u16, dir: &Path) -> Process {
    let child = Command::new(program("redis-server", "redis-server"))
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    wait_for_port(port, "redis-server");
    Process(child)
}

/// The nginx configuration the compose file ships, with the replicas' and the
/// listener's addresses filled in as nginx's image fills them in, inside an nginx.conf
/// of this test's own (its own prefix, pid and temporary folders: no root needed).
fn start_nginx(port: u16, replicas: &[u16], dir: &Path) -> Process {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx/fleet.conf.template");
    let mut conf = std::fs::read_to_string(&template).unwrap();
    for (i, replica) in replicas.iter().enumerate() {
        conf = conf.replace(&format!("${{MOCK_REPLICA_{}}}", i + 1), &format!("127.0.0.1:{replica}"));
    }
    conf = conf.replace("${FLEET_LISTEN}", &format!("127.0.0.1:{port}"));
    assert!(
        !conf.contains("${MOCK") && !conf.contains("${FLEET"),
        "every name of the template is filled in:\n{conf}"
    );
    std::fs::write(dir.join("fleet.conf"), conf).unwrap();
    let temp = dir.join("temp");
    std::fs::create_dir_all(&temp).unwrap();
    // Workers run as an unprivileged user when nginx is started by root.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let d = dir.display();
    let main = format!(
        "worker_processes 1;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/temp/body;\n  proxy_temp_path {d}/temp/proxy;\n  \
         fastcgi_temp_path {d}/temp/fastcgi;\n  uwsgi_temp_path {d}/temp/uwsgi;\n  scgi_temp_path {d}/temp/scgi;\n  \
         include {d}/fleet.conf;\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    let child = Command::new(program("nginx", "nginx"))
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx starts");
    wait_for_port(port, "nginx");
    Process(child)
}

fn start_replica(port: u16, redis_port: u16, extra: &[&str], dir: &Path) -> Process {
    let log = std::fs::File::create(dir.join(format!("mock-{port}.log"))).unwrap();
    let child = Command::new(BIN)
        .args(["--port", &port.to_string(), "--clock", NOW, "--log-level", "warn"])
        .arg("--state-url")
        .arg(format!("redis://127.0.0.1:{redis_port}/0"))
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("mock-server starts");
    wait_for_port(port, "mock-server");
    Process(child)
}

/// Three replicas sharing one Redis, and nginx in front of them.
struct Fleet {
    client: reqwest::Client,
    replicas: Vec<u16>,
    balancer: u16,
    redis_port: u16,
    dir: PathBuf,
    // Dropped in this order: the balancer, the replicas, then Redis.
    _nginx: Process,
    _mocks: Vec<Process>,
    redis: Option<Process>,
    /// Last: the next fleet starts once this one's processes are gone.
    _turn: std::sync::MutexGuard<'static, ()>,
}

/// The JPush/JMessage credentials of the first demo app (seed 42), and its Easemob app.
struct Apps {
    basic: String,
    easemob: Value,
}

impl Fleet {
    async fn start(name: &str, extra: &[&str]) -> Fleet {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let dir = scratch(name);
        let redis_port = free_port();
        let redis = start_redis(redis_port, &dir);
        let replicas: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let mocks = replicas
            .iter()
            .map(|port| start_replica(*port, redis_port, extra, &dir))
            .collect();
        let balancer = free_port();
        let nginx = start_nginx(balancer, &replicas, &dir);
        let fleet = Fleet {
            client: reqwest::Client::new(),
            replicas,
            balancer,
            redis_port,
            dir,
            _nginx: nginx,
            _mocks: mocks,
            redis: Some(redis),
            _turn: turn,
        };
        for port in fleet.ports() {
            fleet.wait_ready(port).await;
        }
        fleet
    }

    /// Every replica's port, then the balancer's.
    fn ports(&self) -> Vec<u16> {
        let mut ports = self.replicas.clone();
        ports.push(self.balancer);
        ports
    }

    async fn wait_ready(&self, port: u16) {
        let started = Instant::now();
        loop {
            // A replica listens before its dataset is built: until then requests wait.
            let request = self.client.get(format!("http://127.0.0.1:{port}/_mock/health"));
            let reply = request.timeout(Duration::from_secs(2)).send().await;
            let status = reply.as_ref().map(|r| r.status().as_u16());
            if status.as_ref().is_ok_and(|s| *s == 200) {
                return;
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "port {port} not ready: {status:?} (logs in {})",
                self.dir.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value, reqwest::header::HeaderMap) {
        let response = request
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }

    async fn get(&self, port: u16, path: &str, basic: Option<&str>) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut request = self.client.get(format!("http://127.0.0.1:{port}{path}"));
        if let Some(basic) = basic {
            request = request.header("Authorization", format!("Basic {basic}"));
        }
        self.send(request).await
    }

    async fn control(&self, port: u16, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.client.request(method, format!("http://127.0.0.1:{port}{path}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, json, _) = self.send(request).await;
        (status, json)
    }

    async fn apps(&self) -> Apps {
        let (_, apps, _) = self.get(self.replicas[0], "/_mock/apps", None).await;
        let app = &apps["apps"][0];
        let pair = format!(
            "{}:{}",
            app["app_key"].as_str().unwrap(),
            app["master_secret"].as_str().unwrap()
        );
        Apps {
            basic: base64(&pair),
            easemob: apps["easemob"][0].clone(),
        }
    }
}

fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn enc(text: &str) -> String {
    text.replace(' ', "%20").replace(':', "%3A")
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<i64> {
    headers.get(name)?.to_str().ok()?.parse().ok()
}

/// The msgids of a V2 chain over `window`, each page asked of the next of `ports`.
async fn v2_chain(fleet: &Fleet, apps: &Apps, ports: &[u16], window: &str) -> (Vec<u64>, usize) {
    let mut ids = Vec::new();
    let mut path = format!("/v2/messages?count=50&{window}");
    for page in 0.. {
        let port = ports[page % ports.len()];
        let (status, body, _) = fleet.get(port, &path, Some(&apps.basic)).await;
        assert_eq!(status, 200, "page {page} on {port}: {body}");
        ids.extend(
            body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["msgid"].as_u64().unwrap()),
        );
        match body["cursor"].as_str() {
            Some(cursor) => path = format!("/v2/messages?cursor={cursor}"),
            None => return (ids, page + 1),
        }
    }
    unreachable!()
}

#[tokio::test]
async fn a_v2_cursor_chain_started_on_one_replica_continues_on_the_others() {
    let fleet = Fleet::start("chain", &[]).await;
    let apps = fleet.apps().await;
    let window = format!(
        "begin_time={}&end_time={}",
        enc("2026-11-20 04:00:00"),
        enc("2026-11-20 11:00:00")
    );
    let (alone, _) = v2_chain(&fleet, &apps, &fleet.replicas[..1], &window).await;
    let (spread, pages) = v2_chain(&fleet, &apps, &fleet.ports(), &window).await;
    assert!(pages >= 4, "a chain over every replica and the balancer: {pages} pages");
    assert_eq!(spread, alone, "the same messages in the same order");
    let mut unique = spread.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), spread.len(), "every message exactly once");
}

#[tokio::test]
async fn the_jpush_quota_is_one_window_for_the_whole_fleet() {
    let fleet = Fleet::start("quota", &["--jpush-rate-limit", "30"]).await;
    let apps = fleet.apps().await;
    let ports = fleet.ports();
    for i in 0..30 {
        let port = ports[i % ports.len()];
        let (status, body, headers) = fleet.get(port, "/v3/received?msg_ids=1", Some(&apps.basic)).await;
        assert_eq!(status, 200, "request {i} on {port}: {body}");
        assert_eq!(
            header(&headers, "x-rate-limit-remaining"),
            Some(29 - i as i64),
            "request {i}"
        );
        assert_eq!(header(&headers, "x-rate-limit-limit"), Some(30));
    }
    for port in ports {
        let (status, body, headers) = fleet.get(port, "/v3/received?msg_ids=1", Some(&apps.basic)).await;
        assert_eq!(status, 429, "on {port}: {body}");
        assert_eq!(body["error"]["code"], 2002, "on {port}: {body}");
        assert_eq!(header(&headers, "x-rate-limit-remaining"), Some(0));
        assert!(header(&headers, "x-rate-limit-reset").is_some_and(|s| (1..=60).contains(&s)));
    }

    // At once from many clients: still exactly the quota.
    let (status, _) = fleet
        .control(fleet.replicas[1], reqwest::Method::POST, "/_mock/reset", None)
        .await;
    assert_eq!(status, 200);
    let requests = (0..45).map(|i| {
        let port = fleet.ports()[i % 4];
        let basic = apps.basic.clone();
        let fleet = &fleet;
        async move { fleet.get(port, "/v3/received?msg_ids=1", Some(&basic)).await.0 }
    });
    let statuses = futures_util::future::join_all(requests).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 30, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15, "{statuses:?}");
}

#[tokio::test]
async fn a_clock_moved_on_one_replica_is_the_clock_of_all() {
    let fleet = Fleet::start("clock", &[]).await;
    let apps = fleet.apps().await;
    let [a, b, c] = [fleet.replicas[0], fleet.replicas[1], fleet.replicas[2]];
    let set = json!({"now": "2026-11-20T12:30:00+08:00", "frozen": true});
    let (status, body) = fleet.control(a, reqwest::Method::PUT, "/_mock/clock", Some(set)).await;
    assert_eq!(status, 200, "{body}");
    for port in [b, c] {
        let (_, clock, _) = fleet.get(port, "/_mock/clock", None).await;
        assert_eq!(clock["now"], "2026-11-20T12:30:00+08:00", "on {port}");
        assert_eq!(clock["frozen"], true);
    }

    let first = format!(
        "/v2/messages?count=5&begin_time={}&end_time={}",
        enc("2026-11-20 11:00:00"),
        enc("2026-11-20 12:00:00")
    );
    let (status, page1, _) = fleet.get(a, &first, Some(&apps.basic)).await;
    assert_eq!(status, 200, "{page1}");
    let cursor1 = page1["cursor"].as_str().expect("more than one page").to_owned();
    let advance = |seconds: u64| json!({ "seconds": seconds });
    let (status, _) = fleet
        .control(a, reqwest::Method::POST, "/_mock/clock/advance", Some(advance(119)))
        .await;
    assert_eq!(status, 200);
    let (status, page2, _) = fleet
        .get(c, &format!("/v2/messages?cursor={cursor1}"), Some(&apps.basic))
        .await;
    assert_eq!(status, 200, "119 s after A issued it, C takes it: {page2}");
    let cursor2 = page2["cursor"].as_str().expect("a third page").to_owned();
    let (status, _) = fleet
        .control(b, reqwest::Method::POST, "/_mock/clock/advance", Some(advance(2)))
        .await;
    assert_eq!(status, 200);
    let (status, refused, _) = fleet
        .get(c, &format!("/v2/messages?cursor={cursor1}"), Some(&apps.basic))
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (400, &json!(899003)),
        "121 s: {refused}"
    );
    let (status, page3, _) = fleet
        .get(a, &format!("/v2/messages?cursor={cursor2}"), Some(&apps.basic))
        .await;
    assert_eq!(status, 200, "2 s old: {page3}");
    let (_, clock, _) = fleet.get(fleet.balancer, "/_mock/clock", None).await;
    assert_eq!(clock["now"], "2026-11-20T12:32:01+08:00");
}

/// `n` JPush requests spread over the replicas and the balancer; which of them failed.
async fn faulted(fleet: &Fleet, apps: &Apps, n: usize) -> Vec<bool> {
    let ports = fleet.ports();
    let mut pattern = Vec::new();
    for i in 0..n {
        let (status, body, _) = fleet
            .get(ports[i % ports.len()], "/v3/received?msg_ids=1", Some(&apps.basic))
            .await;
        assert!(matches!(status, 200 | 500 | 503), "{status}: {body}");
        pattern.push(status != 200);
    }
    pattern
}

#[tokio::test]
async fn faults_count_fleet_wide_and_fractions_draw_as_one_process_does() {
    let fleet = Fleet::start("faults", &[]).await;
    let apps = fleet.apps().await;
    let rule = json!({"match": {"path": "/v3/received"}, "effect": {"status": 503}, "times": 5});
    let (status, body) = fleet
        .control(fleet.replicas[1], reqwest::Method::POST, "/_mock/faults", Some(rule))
        .await;
    assert_eq!(status, 201, "{body}");
    let pattern = faulted(&fleet, &apps, 12).await;
    assert_eq!(pattern, [[true; 5].as_slice(), &[false; 7]].concat());
    let (_, listed, _) = fleet.get(fleet.replicas[2], "/_mock/faults", None).await;
    let listed = &listed["faults"][0];
    assert_eq!(
        (&listed["applied"], &listed["state"], &listed["times"]),
        (&json!(5), &json!("spent"), &json!(0))
    );

    // A seeded share: the same requests fail as in one process with the same seed.
    let fraction = json!({"match": {"path": "/v3/received"}, "effect": {"status": 500}, "fraction": 0.3});
    let (status, _) = fleet
        .control(fleet.replicas[0], reqwest::Method::POST, "/_mock/reset", None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = fleet
        .control(
            fleet.replicas[2],
            reqwest::Method::POST,
            "/_mock/faults",
            Some(fraction.clone()),
        )
        .await;
    assert_eq!(status, 201);
    let spread = faulted(&fleet, &apps, 48).await;

    let settings = mock_server::Settings {
        port: 0,
        clock: Some(chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc()),
        ..mock_server::Settings::default()
    };
    let alone = mock_server::start(settings).await.unwrap();
    let port = alone.addr.port();
    let (status, _) = fleet
        .control(port, reqwest::Method::POST, "/_mock/faults", Some(fraction))
        .await;
    assert_eq!(status, 201);
    let mut expected = Vec::new();
    for _ in 0..48 {
        let (status, _, _) = fleet.get(port, "/v3/received?msg_ids=1", Some(&apps.basic)).await;
        expected.push(status != 200);
    }
    alone.stop().await.unwrap();
    let share = spread.iter().filter(|f| **f).count();
    assert!((5..=25).contains(&share), "{share} of 48");
    assert_eq!(spread, expected, "the fleet's draws are the single process's");
}

#[tokio::test]
async fn the_journal_of_any_replica_lists_every_replicas_requests_in_order() {
    let fleet = Fleet::start("journal", &[]).await;
    let apps = fleet.apps().await;
    for (i, port) in fleet.replicas.iter().cycle().take(6).enumerate() {
        let (status, _, _) = fleet
            .get(*port, &format!("/v3/received?msg_ids={}", i + 1), Some(&apps.basic))
            .await;
        assert_eq!(status, 200);
    }
    for port in fleet.ports() {
        let (status, page, _) = fleet.get(port, "/_mock/journal?family=jpush", None).await;
        assert_eq!(status, 200, "{page}");
        let entries = page["entries"].as_array().unwrap();
        let queries: Vec<&str> = entries.iter().map(|e| e["query"].as_str().unwrap()).collect();
        assert_eq!(
            queries,
            (1..=6).map(|i| format!("msg_ids={i}")).collect::<Vec<_>>(),
            "on {port}"
        );
        let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        let hosts: Vec<&str> = entries.iter().map(|e| e["headers"]["host"].as_str().unwrap()).collect();
        let expected: Vec<String> = fleet
            .replicas
            .iter()
            .cycle()
            .take(6)
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        assert_eq!(
            hosts, expected,
            "each replica's requests, by the host they were sent to"
        );
        assert!(
            entries
                .iter()
                .all(|e| e["headers"]["authorization"] == "Basic REDACTED"),
            "secrets stay redacted"
        );
    }
    let (_, count, _) = fleet.get(fleet.replicas[2], "/_mock/journal/count", None).await;
    assert_eq!(count["count"], 6);
}

#[tokio::test]
async fn a_reset_on_one_replica_resets_all() {
    let fleet = Fleet::start("reset", &[]).await;
    let apps = fleet.apps().await;
    let [a, b, c] = [fleet.replicas[0], fleet.replicas[1], fleet.replicas[2]];
    let app = &apps.easemob;
    let (org, name) = (app["org_name"].as_str().unwrap(), app["app_name"].as_str().unwrap());
    let token_body = json!({
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    });
    let (status, token) = fleet
        .control(
            a,
            reqwest::Method::POST,
            &format!("/{org}/{name}/token"),
            Some(token_body),
        )
        .await;
    assert_eq!(status, 200, "{token}");
    let bearer = token["access_token"].as_str().unwrap().to_owned();
    let query = |port: u16| {
        let request = fleet
            .client
            .get(format!("http://127.0.0.1:{port}/{org}/{name}/chatmessages?limit=1"))
            .bearer_auth(&bearer);
        fleet.send(request)
    };
    assert_eq!(query(b).await.0, 200, "a token issued on A works on B");
    let advance = json!({"seconds": 600});
    fleet
        .control(b, reqwest::Method::POST, "/_mock/clock/advance", Some(advance))
        .await;
    let (status, body) = fleet.control(c, reqwest::Method::POST, "/_mock/reset", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["clock"]["now"], NOW);
    for port in fleet.ports() {
        let (status, refused, _) = query(port).await;
        assert_eq!(status, 401, "a token from before the reset, on {port}: {refused}");
        let (_, clock, _) = fleet.get(port, "/_mock/clock", None).await;
        assert_eq!(clock["now"], NOW, "on {port}");
        let (_, count, _) = fleet.get(port, "/_mock/journal/count?family=jpush", None).await;
        assert_eq!(count["count"], 0, "on {port}");
    }
}

#[tokio::test]
async fn losing_redis_is_503_and_not_ready_and_its_return_recovers() {
    let mut fleet = Fleet::start("loss", &[]).await;
    let apps = fleet.apps().await;
    let app = &apps.easemob;
    let easemob_token = format!(
        "/{}/{}/token",
        app["org_name"].as_str().unwrap(),
        app["app_name"].as_str().unwrap()
    );
    drop(fleet.redis.take());

    for port in fleet.replicas.clone() {
        let started = Instant::now();
        let (status, body, _) = fleet.get(port, "/v3/received?msg_ids=1", Some(&apps.basic)).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (503, &json!(10)),
            "JPush's 503 on {port}: {body}"
        );
        let (status, body, _) = fleet.get(port, "/v1/messages?start=0&count=1", Some(&apps.basic)).await;
        assert_eq!(status, 503, "JMessage on {port}: {body}");
        let (status, body) = fleet
            .control(port, reqwest::Method::POST, &easemob_token, Some(json!({})))
            .await;
        assert_eq!(
            (status, &body["error"]),
            (503, &json!("service_unavailable")),
            "Easemob on {port}: {body}"
        );
        let (status, health, _) = fleet.get(port, "/_mock/health", None).await;
        assert_eq!(status, 503, "{health}");
        assert_eq!(health["status"], "not ready");
        assert!(health["reason"].as_str().is_some_and(|r| !r.is_empty()), "{health}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no hang: {:?}",
            started.elapsed()
        );
    }

    fleet.redis = Some(start_redis(fleet.redis_port, &fleet.dir));
    for port in fleet.ports() {
        fleet.wait_ready(port).await;
        let (status, body, _) = fleet.get(port, "/v3/received?msg_ids=1", Some(&apps.basic)).await;
        assert_eq!(status, 200, "recovered on {port} without a restart: {body}");
    }
    let (_, clock, _) = fleet.get(fleet.replicas[1], "/_mock/clock", None).await;
    assert_eq!(clock["now"], NOW, "the world is recreated from the startup settings");
}
