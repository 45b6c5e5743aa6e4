//! The teacher's side of the classroom server: who counts as the teacher, the teacher
//! page's session, and the calls only the teacher may make (leak, remove, rename, step).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::pages;
use super::server::{bearer, error, page, read_object, refused, string_field, Shared};
use super::state::Refusal;

/// Whether the request comes from the teacher: the session cookie the teacher page got,
/// or `Authorization: Bearer` with the teacher's token (programs).
pub(super) fn is_teacher(shared: &Shared, headers: &HeaderMap) -> bool {
    let state = shared.state();
    cookies(headers, &shared.teacher_cookie)
        .into_iter()
        .any(|value| state.is_teacher_session(value))
        || state.is_teacher_token(bearer(headers))
}

/// [`is_teacher`], or the refusal that says why not (counted).
pub(super) fn check_teacher(shared: &Shared, headers: &HeaderMap) -> Result<(), Refusal> {
    if is_teacher(shared, headers) {
        return Ok(());
    }
    shared.state().check_teacher(bearer(headers))
}

/// The values of every cookie called `name` (a browser may send one name twice, for two
/// paths).
pub(super) fn cookies<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .collect()
}

#[derive(serde::Deserialize)]
pub(super) struct TeacherLink {
    token: Option<String>,
}

/// The teacher page. Loaded as `/teacher?token=…` (the link start-up printed), it sets
/// the teacher's session cookie and sends the browser on to plain `/teacher`, so that
/// the token stays out of the address bar, the history and the page's scripts.
pub(super) async fn teacher_page(
    State(shared): State<Arc<Shared>>,
    Query(link): Query<TeacherLink>,
) -> Response {
    let Some(token) = link.token else {
        return page(pages::TEACHER);
    };
    let session = {
        let mut state = shared.state();
        match state.check_teacher(Some(&token)) {
            Ok(()) => state.teacher_session(),
            // The page explains a missing or wrong link itself.
            Err(_) => {
                let mut response = page(pages::TEACHER);
                *response.status_mut() = StatusCode::UNAUTHORIZED;
                return response;
            }
        }
    };
    let secure = if shared.student_url.starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{}={session}; Path=/; HttpOnly; SameSite=Strict{secure}",
        shared.teacher_cookie
    );
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, HeaderValue::from_static("/teacher"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        headers.insert(header::SET_COOKIE, value);
    }
    response
}

/// The join code, for the projector on the teacher's laptop (the teacher's cookie),
/// and null for anyone else, or the code would keep out no one who knows the address.
/// Not a 401: the projector asks before it knows whose laptop it is on, and a refusal
/// would be an error in the console of the room's browser.
pub(super) async fn join_code(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let teacher = is_teacher(&shared, &headers);
    let state = shared.state();
    let required = state.join_code().is_some();
    let code = state.join_code().filter(|_| teacher).map(str::to_owned);
    axum::Json(json!({ "required": required, "join_code": code })).into_response()
}

pub(super) async fn leak(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(refusal) = check_teacher(&shared, &headers) {
        return refused(refusal);
    }
    if shared.escrow_pem.is_none() {
        let refusal = shared.state().refuse(Refusal::new(
            409,
            "no-escrow",
            "this class runs a design with no escrow key: there is nothing to leak, which is the point",
        ));
        return refused(refusal);
    }
    if let Err(response) = publish_escrow_key(&shared).await {
        return response;
    }
    axum::Json(json!({ "leaked": true })).into_response()
}

/// The string fields `names` of a teacher's call with a JSON body, once the teacher
/// is checked; a body without one of them is refused with `code` and `usage`.
async fn teacher_fields<const N: usize>(
    shared: &Shared,
    headers: &HeaderMap,
    body: Body,
    names: [&str; N],
    code: &'static str,
    usage: &'static str,
) -> Result<[String; N], Response> {
    check_teacher(shared, headers).map_err(refused)?;
    let object = read_object(shared, headers, body).await?;
    let mut fields = names.map(|name| string_field(&object, name));
    if fields.iter().any(Option::is_none) {
        return Err(refused(
            shared.state().refuse(Refusal::new(422, code, usage)),
        ));
    }
    Ok(std::array::from_fn(|i| {
        fields[i].take().unwrap_or_default()
    }))
}

/// The teacher removes a student: recorded in class.json first, then their tokens stop
/// working and everyone is told (`{"type": "removed", "name"}`).
pub(super) async fn remove(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let [name] = match teacher_fields(
        &shared,
        &headers,
        body,
        ["name"],
        "bad-remove",
        "the body must be {\"name\": \"...\"}, the student to remove",
    )
    .await
    {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    if !shared.state().students.contains_key(&name) {
        let refusal = shared.state().refuse(Refusal::new(
            404,
            "no-such-student",
            format!("no student of this class is called {name:?}"),
        ));
        return refused(refusal);
    }
    let mut store = shared.store.lock().await;
    if let Err(e) = tokio::task::block_in_place(|| store.record_removal(&name)) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the class could not record the removal: {e}"),
        );
    }
    if let Err(refusal) = shared.state().remove_student(&name) {
        return refused(refusal);
    }
    drop(store);
    shared.publish(json!({ "type": "removed", "name": name }));
    shared.say(&format!("removed {name}: their token no longer works"));
    axum::Json(json!({ "removed": name })).into_response()
}

/// The teacher renames a student (an offensive or fake-looking name): recorded in
/// class.json first, then every page shows the new name (`{"type": "renamed", "name",
/// "to"}`). The name joined as stays the student's in the protocol: envelopes bind it.
pub(super) async fn rename(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let [name, to] = match teacher_fields(
        &shared,
        &headers,
        body,
        ["name", "to"],
        "bad-rename",
        "the body must be {\"name\": \"...\", \"to\": \"...\"}: the name joined as, and the new one",
    )
    .await
    {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    // Renames take turns with joins, so that no join takes the new name meanwhile.
    let mut store = shared.store.lock().await;
    if let Err(refusal) = shared.state().check_rename(&name, &to) {
        return refused(refusal);
    }
    if let Err(e) = tokio::task::block_in_place(|| store.record_rename(&name, &to)) {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the class could not record the new name: {e}"),
        );
    }
    shared.state().rename_student(&name, &to);
    drop(store);
    shared.publish(json!({ "type": "renamed", "name": name, "to": to }));
    shared.say(&format!("{name} is shown as {to} from now on"));
    axum::Json(json!({ "renamed": name, "to": to })).into_response()
}

/// Publishes the escrow key: recorded in class.json first, then told to everyone. A
/// second call does nothing.
pub(super) async fn publish_escrow_key(shared: &Shared) -> Result<(), Response> {
    let mut store = shared.store.lock().await;
    if shared.state().leaked {
        return Ok(());
    }
    if let Err(e) = tokio::task::block_in_place(|| store.record_leak()) {
        return Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the class could not record the leak: {e}"),
        ));
    }
    shared.state().leaked = true;
    drop(store);
    shared.publish(json!({ "type": "leak" }));
    shared.say("the escrow key has leaked: anyone can now read every message");
    Ok(())
}

/// Step mode: plays the demo's next act (teacher only).
pub(super) async fn step(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(refusal) = check_teacher(&shared, &headers) {
        return refused(refusal);
    }
    let Some(demo) = &shared.demo else {
        let refusal = shared.state().refuse(Refusal::new(
            409,
            "no-demo",
            "this class was started without --demo; there are no acts to play",
        ));
        return refused(refusal);
    };
    let mut demo = demo.lock().await;
    let index = demo.session.position().0;
    let leaks_escrow = demo.session.scenario().acts.get(index).is_some_and(|act| {
        act.events.iter().any(|e| {
            matches!(e, crate::demo::scenario::Event::Leak { key, .. }
                if key == crate::schemes::ESCROW_NAME)
        })
    });
    let played = tokio::task::block_in_place(|| demo.session.next_act());
    let act = match played {
        Ok(Some(act)) => act,
        Ok(None) => {
            let refusal = shared.state().refuse(Refusal::new(
                409,
                "demo-over",
                format!("every act of {} has been played", demo.name),
            ));
            return refused(refusal);
        }
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("the demo could not play its act: {e}"),
            )
        }
    };
    let html = crate::report::html::act_fragment(&act, &demo.matrices);
    demo.matrices.record(act.number, &act.blocks);
    let class_leaked = leaks_escrow && shared.escrow_pem.is_some();
    if class_leaked {
        if let Err(response) = publish_escrow_key(&shared).await {
            return response;
        }
    }
    let (_, total) = demo.session.position();
    let shown = json!({
        "demo": demo.name,
        "number": act.number,
        "total": total,
        "title": act.title,
        "html": html,
        "leaked_the_class_key": class_leaked,
        "next_title": demo.session.next_title(),
    });
    demo.shown = Some(shown.clone());
    drop(demo);
    shared.publish(
        json!({ "type": "act", "number": act.number, "total": total, "title": act.title }),
    );
    shared.say(&format!("act {} of {total}: {}", act.number, act.title));
    axum::Json(shown).into_response()
}

/// Step mode: the act last played, for the projector.
pub(super) async fn act(State(shared): State<Arc<Shared>>) -> Response {
    let shown = match &shared.demo {
        Some(demo) => demo.lock().await.shown.clone(),
        None => None,
    };
    match shown {
        Some(shown) => axum::Json(shown).into_response(),
        None => error(StatusCode::NOT_FOUND, "no act has been played"),
    }
}

pub(super) async fn leaked_key(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let leaked = shared.state().leaked;
    let Some(pem) = shared.escrow_pem.as_ref().filter(|_| leaked) else {
        return error(
            StatusCode::NOT_FOUND,
            "the escrow key has not leaked (or this design has none)",
        );
    };
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        axum::Json(json!({ "name": super::store::ESCROW, "private_key_pem": pem.as_str() }))
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/x-pem-file")],
            pem.to_string(),
        )
            .into_response()
    }
}

pub(super) async fn teacher(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(refusal) = check_teacher(&shared, &headers) {
        return refused(refusal);
    }
    let state = shared.state();
    let summary = state.summary();
    axum::Json(json!({
        "class": summary,
        "refusals": state.refusals,
        "refused_total": state.refusals.values().sum::<u64>(),
    }))
    .into_response()
}
