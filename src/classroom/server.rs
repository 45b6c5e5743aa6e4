//! The HTTP and WebSocket side of a class: the routes of "Live classroom protocol v1"
//! (the contract is in docs/classroom.md), the embedded pages, and the connection loop
//! (plain HTTP/1.1 on loopback, TLS elsewhere).

use std::sync::{mpsc, Arc, Mutex};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{json, Value};
use tokio::sync::{broadcast, oneshot};
use zeroize::Zeroizing;

use super::connections::{Peer, Slot, IDLE_TIMEOUT, PING_EVERY};
use super::pages;
use super::state::{token_digest, ClassState, Refusal, MAX_BODY};
use super::store::{CaptureLog, ClassStore};
use super::teacher::{
    act, join_code, leak, leaked_key, remove, rename, step, teacher, teacher_page,
};
use crate::wire::envelope::Envelope;

/// Where the server tells the teacher's terminal of joins and the leak.
pub type Log = Box<dyn Fn(&str) + Send + Sync>;

/// An envelope waiting to be written, and whom to tell when it is.
type Job = (Envelope, oneshot::Sender<Result<(), String>>);

/// Everything the routes share.
pub struct Shared {
    pub(super) state: Arc<Mutex<ClassState>>,
    /// Joins and the leak write files; they take turns here.
    pub(super) store: tokio::sync::Mutex<ClassStore>,
    writer: mpsc::Sender<Job>,
    events: broadcast::Sender<Arc<str>>,
    /// The escrow key's PEM, published by the leak.
    pub(super) escrow_pem: Option<Zeroizing<String>>,
    /// The URL students open, shown on the pages with its QR code.
    pub student_url: String,
    /// The TLS certificate's SHA-256, on HTTPS.
    pub cert_sha256: Option<String>,
    qr_svg: String,
    /// The teacher's session cookie's name: one per port, since a browser sends a
    /// `localhost` cookie to every port.
    pub(super) teacher_cookie: String,
    /// Refusals (and their tallies) go to the teacher's terminal too, when set.
    log: Option<Log>,
    /// Step mode: a built-in demo played act by act beside the class.
    pub(super) demo: Option<tokio::sync::Mutex<StepMode>>,
}

/// Step mode: a demo played one act at a time at the teacher's call. The acts run on the
/// demo's own simulated world, shown beside the class; an act in which the story's
/// escrow key leaks leaks the class's escrow key too, so the class's own messages open
/// at the moment the story's do.
pub struct StepMode {
    pub(super) session: crate::demo::DemoSession,
    pub(super) name: String,
    /// The last act played, drawn for the pages.
    pub(super) shown: Option<Value>,
    /// The matrices the acts showed, so the next act outlines who gained access.
    pub(super) matrices: crate::report::ShownMatrices,
}

impl StepMode {
    /// Step mode for the demo `name`, played as `session`.
    pub fn new(name: &str, session: crate::demo::DemoSession) -> Self {
        StepMode {
            session,
            name: name.to_owned(),
            shown: None,
            matrices: Default::default(),
        }
    }

    fn describe(&self) -> Value {
        let (played, total) = self.session.position();
        json!({
            "name": self.name,
            "played": played,
            "total": total,
            "next_title": self.session.next_title(),
        })
    }
}

impl Shared {
    /// The class served from `store` with `state`, as students reach it at `student_url`.
    pub fn new(
        mut store: ClassStore,
        state: ClassState,
        student_url: String,
        cert_sha256: Option<String>,
        log: Option<Log>,
        demo: Option<StepMode>,
    ) -> Arc<Self> {
        let state = Arc::new(Mutex::new(state));
        let (events, _) = broadcast::channel(4096);
        let (writer, jobs) = mpsc::channel();
        let capture = store
            .take_capture()
            .expect("a freshly opened class holds its capture");
        {
            let (state, events) = (state.clone(), events.clone());
            std::thread::Builder::new()
                .name("capture-writer".into())
                .spawn(move || write_capture(jobs, capture, state, events))
                .expect("the capture writer thread starts");
        }
        let escrow_pem = store.escrow().map(|k| k.to_pem());
        let qr_svg = qrcode::QrCode::new(student_url.as_bytes())
            .map(|code| {
                code.render::<qrcode::render::svg::Color>()
                    .min_dimensions(320, 320)
                    .build()
            })
            .unwrap_or_default();
        let port = student_url
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or("0");
        let teacher_cookie = format!("doormat-teacher-{port}");
        Arc::new(Shared {
            teacher_cookie,
            state,
            store: tokio::sync::Mutex::new(store),
            writer,
            events,
            escrow_pem,
            student_url,
            cert_sha256,
            qr_svg,
            log,
            demo: demo.map(tokio::sync::Mutex::new),
        })
    }

    pub(super) fn state(&self) -> std::sync::MutexGuard<'_, ClassState> {
        // A panic while holding the lock cannot leave the state half-changed in a way
        // that matters more than stopping the class would.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn publish(&self, event: Value) {
        let _ = self.events.send(event.to_string().into());
    }

    pub(super) fn say(&self, line: &str) {
        if let Some(log) = &self.log {
            log(line);
        }
    }
}

/// The capture writer: takes every envelope waiting, appends them, syncs once, then
/// records them and answers each sender (a group commit).
fn write_capture(
    jobs: mpsc::Receiver<Job>,
    mut capture: CaptureLog,
    state: Arc<Mutex<ClassState>>,
    events: broadcast::Sender<Arc<str>>,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let envelopes: Vec<Envelope> = batch.iter().map(|(e, _)| e.clone()).collect();
        let written = capture.append(&envelopes);
        {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            match &written {
                Ok(()) => state.commit_sends(&envelopes),
                Err(_) => envelopes.iter().for_each(|e| state.release(e)),
            }
        }
        let answer = written.map_err(|e| e.to_string());
        for (envelope, reply) in batch {
            if answer.is_ok() {
                let mut event = match serde_json::from_str::<Value>(&envelope.to_json_line()) {
                    Ok(Value::Object(map)) => map,
                    _ => continue,
                };
                let copy = Value::Object(event.clone());
                event.insert("type".into(), "envelope".into());
                event.insert("envelope".into(), copy);
                let _ = events.send(Value::Object(event).to_string().into());
            }
            let _ = reply.send(answer.clone());
        }
    }
}

/// The routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(|| async { page(pages::STUDENT) }))
        .route("/teacher", get(teacher_page))
        .route("/projector", get(|| async { page(pages::PROJECTOR) }))
        .route("/static/{file}", get(static_file))
        .route("/qr.svg", get(qr))
        .route("/api/join", post(join))
        .route("/api/directory", get(directory))
        .route("/api/send", post(send))
        .route("/api/messages", get(messages))
        .route("/api/capture", get(capture))
        .route("/api/events", get(events))
        .route("/api/leak", post(leak))
        .route("/api/remove", post(remove))
        .route("/api/rename", post(rename))
        .route("/api/join-code", get(join_code))
        .route("/api/leaked-key", get(leaked_key))
        .route("/api/class", get(class))
        .route("/api/teacher", get(teacher))
        .route("/api/matrix", get(matrix))
        .route("/api/step", post(step))
        .route("/api/act", get(act))
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "no such page or call; the API is described in docs/classroom.md",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            refuse_cross_site,
        ))
        .with_state(shared)
}

/// What a browser sends on another site's behalf never reaches a route: a POST or the
/// WebSocket whose `Origin` is not this server's gets 403, and a POST with a body not
/// declared `application/json` gets 415 (an HTML form or a `text/plain` fetch from any
/// page on the web could otherwise join names to the class). Programs send no `Origin`,
/// and a POST without a body (the teacher's leak) needs no type: protocol v1 clients
/// keep working.
async fn refuse_cross_site(
    State(shared): State<Arc<Shared>>,
    request: Request<Body>,
    next: axum::middleware::Next,
) -> Response {
    let is_post = request.method() == axum::http::Method::POST;
    let is_socket = request.uri().path() == "/api/events";
    if !is_post && !is_socket {
        return next.run(request).await;
    }
    let headers = request.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let same = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .is_some_and(|(_, authority)| Some(authority) == host);
        if !same {
            let refusal = shared.state().refuse(Refusal::new(
                403,
                "foreign-origin",
                "this call came from a page of another site; open the class's own pages",
            ));
            return refused(refusal);
        }
    }
    if is_post && has_body(headers) && !declares_json(headers) {
        let refusal = shared.state().refuse(Refusal::new(
            415,
            "not-json",
            "the body must be JSON, sent with \"Content-Type: application/json\"",
        ));
        return refused(refusal);
    }
    next.run(request).await
}

/// Whether a request carries a body: a length above zero, or a chunked one.
fn has_body(headers: &HeaderMap) -> bool {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    length.is_some_and(|n| n > 0) || headers.contains_key(header::TRANSFER_ENCODING)
}

/// Whether `Content-Type` is `application/json`, parameters (`; charset=utf-8`) aside.
fn declares_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/json"))
}

const CSP: &str =
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; \
                   script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub(super) fn page(html: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match pages::asset(&file) {
        Some((kind, text)) => (
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "no-store"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            text,
        )
            .into_response(),
        None => error(StatusCode::NOT_FOUND, "no such file"),
    }
}

async fn qr(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        shared.qr_svg.clone(),
    )
        .into_response()
}

pub(super) fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

pub(super) fn refused(refusal: Refusal) -> Response {
    let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST);
    error(status, &refusal.message)
}

fn json_text(text: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text,
    )
        .into_response()
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Reads a JSON object of at most [`MAX_BODY`] bytes, counting and answering a refusal
/// otherwise.
pub(super) async fn read_object(
    shared: &Shared,
    headers: &HeaderMap,
    body: Body,
) -> Result<serde_json::Map<String, Value>, Response> {
    let too_large = |shared: &Shared| {
        let refusal = shared.state().refuse(Refusal::new(
            413,
            "too-large",
            format!("the body is over {} KiB", MAX_BODY / 1024),
        ));
        refused(refusal)
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large(shared));
    }
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return Err(too_large(shared)),
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(refused(shared.state().refuse(Refusal::new(
            400,
            "malformed",
            "the body must be one JSON object",
        )))),
        Err(e) => Err(refused(shared.state().refuse(Refusal::new(
            400,
            "malformed",
            format!("the body is not valid JSON ({e})"),
        )))),
    }
}

pub(super) fn string_field(map: &serde_json::Map<String, Value>, field: &str) -> Option<String> {
    map.get(field).and_then(Value::as_str).map(str::to_owned)
}

async fn join(
    State(shared): State<Arc<Shared>>,
    Extension(Peer(peer)): Extension<Peer>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let object = match read_object(&shared, &headers, body).await {
        Ok(object) => object,
        Err(response) => return response,
    };
    let (Some(name), Some(pem)) = (
        string_field(&object, "name"),
        string_field(&object, "public_key"),
    ) else {
        let refusal = shared.state().refuse(Refusal::new(
            422,
            "bad-join",
            "a join is {\"name\": \"...\", \"public_key\": \"-----BEGIN PUBLIC KEY-----...\"}",
        ));
        return refused(refusal);
    };
    // Joins write files: they take turns, and a name is checked and taken in one turn.
    let mut store = shared.store.lock().await;
    // `join_code` as documented; `code` too, the word a client is likeliest to guess.
    let code = string_field(&object, "join_code").or_else(|| string_field(&object, "code"));
    let accepted =
        shared
            .state()
            .check_join(&name, &pem, code.as_deref(), peer.ip(), Instant::now());
    let accepted = match accepted {
        Ok(accepted) => accepted,
        Err(refusal) => return refused(refusal),
    };
    let token = super::store::Token::generate();
    let digest = token_digest(token.expose());
    let written = tokio::task::block_in_place(|| store.record_join(&name, &accepted.key, &digest));
    if let Err(e) = written {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the class could not record the join: {e}"),
        );
    }
    let fingerprint = accepted.key.fingerprint().as_str().to_owned();
    let students = {
        let mut state = shared.state();
        state.commit_join(accepted, digest);
        state.order.len()
    };
    drop(store);
    shared.publish(json!({
        "type": "join", "name": name, "fingerprint": fingerprint, "students": students,
    }));
    shared.say(&format!("{name} joined ({students} in the class)"));
    let state = shared.state();
    axum::Json(json!({
        "name": name,
        "token": token.expose(),
        "scheme": state.scheme.as_str(),
        "escrow_public_key": state.escrow.as_ref().map(|k| k.to_pem()),
    }))
    .into_response()
}

async fn directory(State(shared): State<Arc<Shared>>) -> Response {
    let store = shared.store.lock().await;
    let mut world = serde_json::to_value(store.world()).unwrap_or(Value::Null);
    drop(store);
    let state = shared.state();
    if let Some(parties) = world.get_mut("parties").and_then(Value::as_array_mut) {
        for party in parties {
            let name = party["name"].as_str().unwrap_or("").to_owned();
            let pem = match state.students.get(&name) {
                Some(student) => Some(student.pem.clone()),
                None if party["role"] == "escrow" => state.escrow.as_ref().map(|k| k.to_pem()),
                None => None,
            };
            party["public_key_pem"] = pem.map_or(Value::Null, Value::String);
        }
    }
    axum::Json(world).into_response()
}

async fn send(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let sender = match shared.state().student_for(bearer(&headers)) {
        Ok(name) => name,
        Err(refusal) => return refused(refusal),
    };
    let object = match read_object(&shared, &headers, body).await {
        Ok(object) => object,
        Err(response) => return response,
    };
    let (reply, written) = oneshot::channel();
    let (id, t) = {
        let mut state = shared.state();
        let envelope = match state.check_send(&sender, object, Instant::now()) {
            Ok(envelope) => envelope,
            Err(refusal) => return refused(refusal),
        };
        let (id, t) = (envelope.id.clone(), envelope.t);
        // Queued while the lock that handed out `t` is still held: the writer takes
        // envelopes in the order of their `t`, so the capture is always in `t` order and
        // a message becomes visible only after every smaller `t` (the channel never
        // blocks, so holding the lock here costs nothing).
        if let Err(mpsc::SendError((envelope, _))) = shared.writer.send((envelope, reply)) {
            state.release(&envelope);
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the capture writer has stopped",
            );
        }
        (id, t)
    };
    match written.await {
        Ok(Ok(())) => axum::Json(json!({ "id": id, "t": t })).into_response(),
        Ok(Err(e)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the class could not record the message: {e}"),
        ),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the capture writer has stopped",
        ),
    }
}

#[derive(serde::Deserialize)]
struct After {
    after: Option<String>,
}

fn parse_after(shared: &Shared, query: &After) -> Result<u64, Refusal> {
    match &query.after {
        None => Ok(0),
        Some(text) => text.parse::<u64>().map_err(|_| {
            shared.state().refuse(Refusal::new(
                400,
                "malformed",
                format!("after: {text:?} is not a whole number (a t from an earlier answer, or 0)"),
            ))
        }),
    }
}

fn envelope_list(lines: Vec<Arc<str>>) -> Response {
    let mut text = String::from("{\"messages\":[");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(line);
    }
    text.push_str("]}");
    json_text(text)
}

async fn messages(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<After>,
) -> Response {
    let student = match shared.state().student_for(bearer(&headers)) {
        Ok(name) => name,
        Err(refusal) => return refused(refusal),
    };
    let after = match parse_after(&shared, &query) {
        Ok(after) => after,
        Err(refusal) => return refused(refusal),
    };
    let lines = shared.state().messages_for(&student, after);
    envelope_list(lines)
}

/// Everything recorded: what any network tap between the students and the server
/// holds already (every byte of it is ciphertext to whoever lacks a key).
async fn capture(State(shared): State<Arc<Shared>>, Query(query): Query<After>) -> Response {
    let after = match parse_after(&shared, &query) {
        Ok(after) => after,
        Err(refusal) => return refused(refusal),
    };
    let lines = shared.state().capture_after(after);
    envelope_list(lines)
}

async fn events(
    State(shared): State<Arc<Shared>>,
    slot: Option<Extension<Arc<Slot>>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .max_message_size(4096)
        .on_upgrade(move |socket| async move {
            // The connection's place under the caps is held for as long as the socket lives.
            let _slot = slot;
            forward_events(socket, shared.events.subscribe()).await;
        })
}

/// Relays the class's events to one socket, pinging it now and then: a socket that has
/// said nothing (not even a pong) for [`IDLE_TIMEOUT`] past a ping is gone (a phone put
/// away, a laptop asleep) and is closed.
async fn forward_events(mut socket: WebSocket, mut events: broadcast::Receiver<Arc<str>>) {
    let mut heard = Instant::now();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ping.tick() => {
                if heard.elapsed() > IDLE_TIMEOUT + PING_EVERY {
                    return;
                }
                if socket.send(Message::Ping(Bytes::new())).await.is_err() {
                    return;
                }
            }
            event = events.recv() => {
                let text = match event {
                    Ok(text) => text.to_string(),
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        json!({ "type": "lagged", "missed": missed }).to_string()
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                // Clients have nothing to say on this socket but pongs; their pings are
                // answered by axum.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => heard = Instant::now(),
            },
        }
    }
}

async fn class(State(shared): State<Arc<Shared>>) -> Response {
    let summary = shared.state().summary();
    let mut value = serde_json::to_value(summary).unwrap_or(Value::Null);
    value["student_url"] = shared.student_url.clone().into();
    value["cert_sha256"] = shared
        .cert_sha256
        .clone()
        .map_or(Value::Null, Value::String);
    value["demo"] = match &shared.demo {
        Some(demo) => demo.lock().await.describe(),
        None => Value::Null,
    };
    axum::Json(value).into_response()
}

async fn matrix(State(shared): State<Arc<Shared>>) -> Response {
    let matrix = shared.state().matrix();
    // A class has no acts, so no row is outlined as having gained access "in this act";
    // the leak's row says what it is.
    let html = crate::report::html::matrix_fragment(&matrix, &[], "This class");
    axum::Json(json!({ "html": html, "matrix": matrix })).into_response()
}
