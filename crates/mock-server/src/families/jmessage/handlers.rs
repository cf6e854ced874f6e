//! Handlers: resolve the endpoint's scope, read the parameters, ask the model for the
//! page, render it.

use axum::{extract::State, http::StatusCode, response::Response};

use super::{
    extract::{JmApp, JmPath, JmQuery},
    model::{self, Boundary},
    params::{self, V2Request},
    rules::HISTORY_RETENTION,
    wire::{Renderer, V1PageHead, V2PageHead, MESSAGES},
    Context, JmError,
};
use crate::{
    dataset::{
        chat::{ChatHead, Scope},
        population::Population,
    },
    families::shared::{
        cursor,
        jiguang_error::{json_with_records, NoFields},
        page_memo::{PageKey, PageStart},
    },
    kernel::query::QueryParams,
};

pub async fn v2_messages(
    State(cx): State<Context>,
    JmApp(app): JmApp,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    v2_history(&cx, app, Scope::All, Boundary::Inclusive, &query)
}

pub async fn v2_user_messages(
    State(cx): State<Context>,
    JmApp(app): JmApp,
    JmPath(username): JmPath,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let scope = user_scope(population(&cx, app), username)?;
    v2_history(&cx, app, scope, Boundary::Exclusive, &query)
}

pub async fn v2_group_messages(
    State(cx): State<Context>,
    JmApp(app): JmApp,
    JmPath(gid): JmPath,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let group = population(&cx, app)
        .group_index(&gid)
        .ok_or(JmError::GroupNotFound(gid))?;
    v2_history(&cx, app, Scope::Group(group), Boundary::Exclusive, &query)
}

pub async fn v2_chatroom_messages(
    State(cx): State<Context>,
    JmApp(app): JmApp,
    JmPath(id): JmPath,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let room = population(&cx, app)
        .chatroom_index(&id)
        .ok_or(JmError::ChatroomNotFound(id))?;
    v2_history(&cx, app, Scope::Chatroom(room), Boundary::Exclusive, &query)
}

pub async fn v1_messages(
    State(cx): State<Context>,
    JmApp(app): JmApp,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    v1_history(&cx, app, Scope::All, Boundary::Inclusive, &query)
}

pub async fn v1_user_messages(
    State(cx): State<Context>,
    JmApp(app): JmApp,
    JmPath(username): JmPath,
    JmQuery(query): JmQuery,
) -> Result<Response, JmError> {
    let scope = user_scope(population(&cx, app), username)?;
    v1_history(&cx, app, scope, Boundary::Exclusive, &query)
}

fn population(cx: &Context, app: usize) -> &Population {
    &cx.core.dataset.jiguang[app].population
}

fn user_scope(population: &Population, username: String) -> Result<Scope, JmError> {
    population
        .user_index(&username)
        .map(Scope::User)
        .ok_or(JmError::UserNotFound(username))
}

fn v2_history(
    cx: &Context,
    app: usize,
    scope: Scope,
    boundary: Boundary,
    query: &QueryParams,
) -> Result<Response, JmError> {
    let now = cx.core.clock.now();
    let stream = cx.core.dataset.jiguang_chat(app);
    let pages = &cx.jmessage.cache.pages;
    let query = match params::v2_request(query, cx.core.dataset.timezone)? {
        V2Request::First { count, begin, end } => {
            let window = model::window(Some(begin), Some(end), boundary).retained_at(now, HISTORY_RETENTION);
            cursor::first_query(
                stream.slot,
                scope,
                window,
                count,
                pages.total(&stream, scope, window),
                now,
            )
        }
        V2Request::Next { cursor } => model::open_cursor(&cx.core.signer, &cursor, stream.slot, scope, now)?,
    };
    let key = PageKey {
        app: stream.slot,
        scope,
        window: query.window,
        start: PageStart::At(query.at),
        count: query.count,
    };
    let page = pages.page(&stream, key, |heads| render(cx, app, stream.slot, heads));
    let next = cursor::next_cursor(&query, page.len, page.next_at, now);
    let head = V2PageHead {
        total: query.total,
        cursor: next.map(|next| cx.core.signer.sign(&next)),
        count: page.len,
    };
    Ok(json_with_records(
        StatusCode::OK,
        &head,
        MESSAGES,
        page.records,
        &NoFields {},
    ))
}

fn v1_history(
    cx: &Context,
    app: usize,
    scope: Scope,
    boundary: Boundary,
    query: &QueryParams,
) -> Result<Response, JmError> {
    let request = params::v1_request(query, cx.core.dataset.timezone)?;
    let stream = cx.core.dataset.jiguang_chat(app);
    let pages = &cx.jmessage.cache.pages;
    let window =
        model::window(request.begin, request.end, boundary).retained_at(cx.core.clock.now(), HISTORY_RETENTION);
    let total = pages.total(&stream, scope, window);
    let key = PageKey {
        app: stream.slot,
        scope,
        window,
        start: PageStart::Offset(request.start.min(total)),
        count: request.count,
    };
    let page = pages.page(&stream, key, |heads| render(cx, app, stream.slot, heads));
    let head = V1PageHead {
        total,
        start: request.start,
        count: page.len,
    };
    Ok(json_with_records(
        StatusCode::OK,
        &head,
        MESSAGES,
        page.records,
        &NoFields {},
    ))
}

/// The JSON array of the records of `heads`, of the app whose stream is `slot`.
fn render(cx: &Context, app: usize, slot: u64, heads: &[ChatHead]) -> Vec<u8> {
    let renderer = renderer(cx, app);
    cx.jmessage.cache.messages(slot, heads, |head| renderer.message(head))
}

fn renderer(cx: &Context, app: usize) -> Renderer<'_> {
    let data = &cx.core.dataset.jiguang[app];
    Renderer {
        seed: cx.core.dataset.seed,
        app: data,
        partner: data.partner.map(|p| &cx.core.dataset.jiguang[p]),
    }
}
