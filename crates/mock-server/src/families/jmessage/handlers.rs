//! Handlers: resolve the endpoint's scope, read the parameters, ask the model for the
//! page, render it.

use axum::{extract::State, http::StatusCode, response::Response};

use serde::Serialize;

use super::{
    extract::{JmApp, JmPath, JmQuery},
    model::{self, Boundary},
    pages::{PageKey, PageStart, RenderedPage},
    params::{self, V2Request},
    wire::{Renderer, V1Head, V2Head},
    JmError,
};
use crate::{
    dataset::{chat::Scope, population::Population},
    families::jiguang_error::json_bytes,
    paging,
    query::QueryParams,
    state::AppState,
};

pub async fn v2_messages(
    State(state): State<AppState>,
    JmApp(app): JmApp,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    v2_history(&state, app, Scope::All, Boundary::Inclusive, &query)
}

pub async fn v2_user_messages(
    State(state): State<AppState>,
    JmApp(app): JmApp,
    JmPath(username): JmPath,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let scope = user_scope(population(&state, app), username)?;
    v2_history(&state, app, scope, Boundary::Exclusive, &query)
}

pub async fn v2_group_messages(
    State(state): State<AppState>,
    JmApp(app): JmApp,
    JmPath(gid): JmPath,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let group = population(&state, app)
        .group_index(&gid)
        .ok_or(JmError::GroupNotFound(gid))?;
    v2_history(&state, app, Scope::Group(group), Boundary::Exclusive, &query)
}

pub async fn v2_chatroom_messages(
    State(state): State<AppState>,
    JmApp(app): JmApp,
    JmPath(id): JmPath,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let room = population(&state, app)
        .chatroom_index(&id)
        .ok_or(JmError::ChatroomNotFound(id))?;
    v2_history(&state, app, Scope::Chatroom(room), Boundary::Exclusive, &query)
}

pub async fn v1_messages(
    State(state): State<AppState>,
    JmApp(app): JmApp,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    v1_history(&state, app, Scope::All, Boundary::Inclusive, &query)
}

pub async fn v1_user_messages(
    State(state): State<AppState>,
    JmApp(app): JmApp,
    JmPath(username): JmPath,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let scope = user_scope(population(&state, app), username)?;
    v1_history(&state, app, scope, Boundary::Exclusive, &query)
}

fn population(state: &AppState, app: usize) -> &Population {
    &state.dataset.jiguang[app].population
}

fn user_scope(population: &Population, username: String) -> Result<Scope, JmError> {
    population
        .user_index(&username)
        .map(Scope::User)
        .ok_or(JmError::UserNotFound(username))
}

fn v2_history(
    state: &AppState,
    app: usize,
    scope: Scope,
    boundary: Boundary,
    query: &QueryParams,
) -> Result<Response, JmError> {
    let now = state.clock.now();
    let stream = state.dataset.jiguang_chat(app);
    let pages = &state.jmessage.pages;
    let query = match params::v2_request(query, state.dataset.timezone)? {
        V2Request::First { count, begin, end } => {
            let window = model::window(Some(begin), Some(end), boundary).retained_at(now);
            paging::first_query(
                stream.slot,
                scope,
                window,
                count,
                pages.total(&stream, scope, window),
                now,
            )
        }
        V2Request::Next { cursor } => model::open_cursor(&state.signer, &cursor, stream.slot, scope, now)?,
    };
    let key = PageKey {
        app: stream.slot,
        scope,
        window: query.window,
        start: PageStart::At(query.at),
        count: query.count,
    };
    let page = pages.page(&stream, &renderer(state, app), key);
    let next = paging::next_cursor(&query, page.len, page.next_at, now);
    let head = V2Head {
        total: query.total,
        cursor: next.map(|next| state.signer.sign(&next)),
        count: page.len,
    };
    Ok(page_response(&head, &page))
}

fn v1_history(
    state: &AppState,
    app: usize,
    scope: Scope,
    boundary: Boundary,
    query: &QueryParams,
) -> Result<Response, JmError> {
    let request = params::v1_request(query, state.dataset.timezone)?;
    let stream = state.dataset.jiguang_chat(app);
    let pages = &state.jmessage.pages;
    let window = model::window(request.begin, request.end, boundary).retained_at(state.clock.now());
    let total = pages.total(&stream, scope, window);
    let key = PageKey {
        app: stream.slot,
        scope,
        window,
        start: PageStart::Offset(request.start.min(total)),
        count: request.count,
    };
    let page = pages.page(&stream, &renderer(state, app), key);
    let head = V1Head {
        total,
        start: request.start,
        count: page.len,
    };
    Ok(page_response(&head, &page))
}

/// `head`'s fields, then `"messages"`: the page's memoised JSON, spliced in unparsed.
fn page_response<H: Serialize>(head: &H, page: &RenderedPage) -> Response {
    let mut body = Vec::with_capacity(page.messages_json.len() + 400);
    serde_json::to_writer(&mut body, head).expect("page heads serialise");
    body.pop(); // the head object's closing brace
    body.extend_from_slice(b",\"messages\":");
    body.extend_from_slice(&page.messages_json);
    body.push(b'}');
    json_bytes(StatusCode::OK, body)
}

fn renderer(state: &AppState, app: usize) -> Renderer<'_> {
    let data = &state.dataset.jiguang[app];
    Renderer {
        seed: state.dataset.seed,
        app: data,
        partner: data.partner.map(|p| &state.dataset.jiguang[p]),
    }
}
