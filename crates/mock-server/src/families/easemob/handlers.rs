//! Handlers: each reads the mock clock once, does its work as a function that returns an
//! [`EmError`], and stamps the error with that instant.

use std::borrow::Cow;

use axum::{
    body::Bytes,
    extract::State,
    http::{
        header::{CONTENT_DISPOSITION, CONTENT_TYPE},
        StatusCode, Uri,
    },
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};

use super::{
    archive,
    cache::ArchiveKey,
    credentials::{self, LinkQuery},
    extract::{BaseUrl, EmApp, EmAuth, EmBody, EmQuery},
    model::{self, FileState},
    params,
    ql::Comparison,
    rules,
    wire::{self, FileLinkBody, FileUrl, QlHead, QlTail, Renderer, TokenBody, ENTITIES},
    Context, EmError, Stamped, DOWNLOAD_SEGMENT,
};
use crate::{
    dataset::chat::Scope,
    families::shared::{
        cursor,
        jiguang_error::{json_response, json_with_records},
        page_memo::{PageKey, PageStart},
    },
    kernel::{query::QueryParams, ratelimit::Decision},
};

/// `POST /{org}/{app}/token`.
pub async fn token(State(cx): State<Context>, EmApp(app): EmApp, EmBody(body): EmBody) -> Result<Response, Stamped> {
    let now = cx.core.clock.now();
    issue_token(&cx, app, &body, now).map_err(|err| err.at(now))
}

fn issue_token(cx: &Context, app: usize, body: &[u8], now: DateTime<Utc>) -> Result<Response, EmError> {
    let request = params::token_request(body)?;
    let data = &cx.core.dataset.easemob[app];
    if request.client_id != data.credentials.client_id {
        return Err(EmError::InvalidGrant("client_id"));
    }
    if request.client_secret != data.credentials.client_secret {
        return Err(EmError::InvalidGrant("client_secret"));
    }
    let ttl = request.ttl.unwrap_or(rules::DEFAULT_TOKEN_TTL_SECS);
    let token = credentials::issue_token(&cx.core.signer, data.slot, cx.easemob.token_epoch(), ttl, now);
    let body = TokenBody {
        access_token: &token,
        expires_in: ttl,
        application: &wire::application_id(cx.core.dataset.seed, data.slot),
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /{org}/{app}/chatmessages/{YYYYMMDDHH}`: a signed link to the hour's file.
pub async fn file_link(
    State(cx): State<Context>,
    EmAuth(app): EmAuth,
    BaseUrl(base): BaseUrl,
    uri: Uri,
) -> Result<Response, Stamped> {
    let now = cx.core.clock.now();
    let counted = shared_count(&cx, app, now).await.map_err(|err| err.at(now))?;
    link_body(&cx, app, &base, last_segment(&uri), now, counted).map_err(|err| err.at(now))
}

fn link_body(
    cx: &Context,
    app: usize,
    base: &str,
    key: &str,
    now: DateTime<Utc>,
    counted: Option<Decision>,
) -> Result<Response, EmError> {
    throttle(cx, app, now, counted)?;
    let zone = cx.easemob.settings.timezone;
    let start = params::hour_key(key, zone).map_err(|_| EmError::illegal_time(&appkey(cx, app), key))?;
    check_ready(cx, app, start, now)?;
    let data = &cx.core.dataset.easemob[app];
    let (org, name) = (&data.credentials.org_name, &data.credentials.app_name);
    let key = params::format_hour_key(start, zone);
    let link = credentials::sign_link(&cx.core.signer, data.slot, start.timestamp_millis(), now);
    let url = format!(
        "{base}/{org}/{name}/{DOWNLOAD_SEGMENT}/{key}.gz?Expires={}&Signature={}",
        link.expires_s, link.signature
    );
    let body = FileLinkBody {
        action: "get",
        application: &wire::application_id(cx.core.dataset.seed, data.slot),
        uri: format!("{base}/{org}/{name}/chatmessages/{key}"),
        data: [FileUrl { url }],
        timestamp: now.timestamp_millis(),
        duration: 0,
        organization: org,
        application_name: name,
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// The app's `ORG#APP`, as the vendor's errors name it.
fn appkey(cx: &Context, app: usize) -> String {
    let credentials = &cx.core.dataset.easemob[app].credentials;
    format!("{}#{}", credentials.org_name, credentials.app_name)
}

/// The file of the hour starting at `start` exists at `now`, or the vendor's error.
fn check_ready(cx: &Context, app: usize, start: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), EmError> {
    let settings = &cx.easemob.settings;
    let appkey = appkey(cx, app);
    let time = params::format_hour_key(start, settings.timezone);
    match model::file_state(start, now, settings) {
        FileState::Ready => Ok(()),
        FileState::Pending => Err(EmError::NotGenerated { appkey, time }),
        FileState::Expired => Err(EmError::expired_time(&appkey, &time)),
    }
}

/// `GET /{org}/{app}/history/{YYYYMMDDHH}.gz?Expires=&Signature=`: the file itself. The
/// signature is the credential (no bearer token), and downloads are not rate-limited.
pub async fn download(
    State(cx): State<Context>,
    EmApp(app): EmApp,
    uri: Uri,
    EmQuery(query): EmQuery,
) -> Result<Response, Stamped> {
    let now = cx.core.clock.now();
    let start = authorize_download(&cx, app, &uri, &query, now).map_err(|err| err.at(now))?;
    let bytes = archive_bytes(&cx, app, start).await.map_err(|err| err.at(now))?;
    let filename = format!("{}.gz", params::format_hour_key(start, cx.easemob.settings.timezone));
    let headers = [
        (CONTENT_TYPE, "application/gzip".to_owned()),
        (CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
    ];
    Ok((headers, bytes).into_response())
}

/// The hour a download link of `app` is for, once its signature and expiry are checked.
fn authorize_download(
    cx: &Context,
    app: usize,
    uri: &Uri,
    query: &QueryParams,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, EmError> {
    const NOT_A_LINK: EmError = EmError::Forbidden(Cow::Borrowed("this is not a download link issued by this server"));
    let key = last_segment(uri).strip_suffix(".gz").ok_or(NOT_A_LINK)?;
    let start = params::hour_key(key, cx.easemob.settings.timezone).map_err(|_| NOT_A_LINK)?;
    let link = LinkQuery {
        expires_s: query.get("Expires").and_then(|e| e.parse().ok()).ok_or(NOT_A_LINK)?,
        signature: query.get("Signature").ok_or(NOT_A_LINK)?.to_owned(),
    };
    credentials::check_link(
        &cx.core.signer,
        &link,
        cx.core.dataset.easemob[app].slot,
        start.timestamp_millis(),
        now,
    )?;
    // The retention may have passed since the link was issued.
    check_ready(cx, app, start, now)?;
    Ok(start)
}

/// The gzip bytes of an hour: from the cache, or built on a blocking thread (a busy hour
/// takes tens of milliseconds, which must not stall the other requests).
async fn archive_bytes(cx: &Context, app: usize, start: DateTime<Utc>) -> Result<Bytes, EmError> {
    let key = ArchiveKey {
        app: cx.core.dataset.easemob[app].slot,
        hour_ms: start.timestamp_millis(),
    };
    if let Some(bytes) = cx.easemob.cache.files.get(key) {
        return Ok(bytes);
    }
    let shared = cx.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let stream = shared.core.dataset.easemob_chat(app);
        archive::build(&renderer(&shared, app), &stream, model::hour_window(start))
    })
    .await
    .map_err(|err| EmError::Internal {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        description: format!("the history file could not be built: {err}"),
    })?;
    cx.easemob.cache.files.insert(key, bytes.clone());
    Ok(bytes)
}

/// `GET /{org}/{app}/chatmessages?ql=...&limit=&cursor=`: the legacy query.
pub async fn ql_messages(
    State(cx): State<Context>,
    EmAuth(app): EmAuth,
    BaseUrl(base): BaseUrl,
    EmQuery(query): EmQuery,
) -> Result<Response, Stamped> {
    let now = cx.core.clock.now();
    let counted = match cx.easemob.settings.ql_retired {
        true => None,
        false => shared_count(&cx, app, now).await.map_err(|err| err.at(now))?,
    };
    ql_body(&cx, app, &base, &query, now, counted).map_err(|err| err.at(now))
}

fn ql_body(
    cx: &Context,
    app: usize,
    base: &str,
    query: &QueryParams,
    now: DateTime<Utc>,
    counted: Option<Decision>,
) -> Result<Response, EmError> {
    if cx.easemob.settings.ql_retired {
        return Err(EmError::illegal(rules::QL_RETIRED));
    }
    throttle(cx, app, now, counted)?;
    let comparison = query
        .get("ql")
        .map(Comparison::parse)
        .transpose()
        .map_err(EmError::IllegalArgument)?;
    let limit = params::limit(query)?;
    let stream = cx.core.dataset.easemob_chat(app);
    let pages = &cx.easemob.cache.pages;
    let page_query = match query.get("cursor") {
        Some(cursor) => model::next_query(&cx.core.signer, stream.slot, cursor, comparison, limit, now)?,
        None => {
            let window = model::ql_window(comparison, now, &cx.easemob.settings);
            let total = pages.total(&stream, Scope::All, window);
            cursor::first_query(stream.slot, Scope::All, window, limit, total, now)
        }
    };
    let key = PageKey {
        app: stream.slot,
        scope: Scope::All,
        window: page_query.window,
        start: PageStart::At(page_query.at),
        count: page_query.count,
    };
    let page = pages.page(&stream, key, |heads| {
        let renderer = renderer(cx, app);
        let entities: Vec<_> = heads.iter().map(|head| renderer.entity(head)).collect();
        serde_json::to_vec(&entities).expect("entities serialise")
    });
    let next = cursor::next_cursor(&page_query, page.len, page.next_at, now);
    let data = &cx.core.dataset.easemob[app];
    let (org, name) = (&data.credentials.org_name, &data.credentials.app_name);
    let head = QlHead {
        action: "get",
        application: &wire::application_id(cx.core.dataset.seed, data.slot),
        params: ["ql", "limit", "cursor"]
            .into_iter()
            .filter_map(|key| query.get(key).map(|value| (key, [value])))
            .collect(),
        uri: format!("{base}/{org}/{name}/chatmessages"),
    };
    let tail = QlTail {
        timestamp: now.timestamp_millis(),
        duration: 0,
        organization: org,
        application_name: name,
        count: page.len,
        cursor: next.map(|next| cx.core.signer.sign(&next)),
    };
    Ok(json_with_records(StatusCode::OK, &head, ENTITIES, page.records, &tail))
}

/// In a fleet, counts one history call of `app` against the shared windows (503 when the
/// store is unavailable); `None` in one process, where [`throttle`] counts.
async fn shared_count(cx: &Context, app: usize, now: DateTime<Utc>) -> Result<Option<Decision>, EmError> {
    let Some(shared) = &cx.easemob.shared else {
        return Ok(None);
    };
    let slot = cx.core.dataset.easemob[app].slot;
    shared
        .check(slot, now)
        .await
        .map(Some)
        .map_err(|_| EmError::Unavailable)
}

/// Counts one history call of `app` (SPEC §4: 10 a minute; not /token, not downloads),
/// unless the fleet's shared windows `counted` it already.
fn throttle(cx: &Context, app: usize, now: DateTime<Utc>, counted: Option<Decision>) -> Result<(), EmError> {
    let slot = cx.core.dataset.easemob[app].slot;
    let decision = counted.unwrap_or_else(|| cx.easemob.history_limiter.check(slot, now));
    if decision.allowed {
        Ok(())
    } else {
        Err(EmError::ReachLimit {
            retry_after_secs: decision.reset_secs,
        })
    }
}

fn renderer(cx: &Context, app: usize) -> Renderer<'_> {
    Renderer {
        seed: cx.core.dataset.seed,
        app: &cx.core.dataset.easemob[app],
    }
}

/// The last path segment, raw (hour keys and file names need no escapes).
fn last_segment(uri: &Uri) -> &str {
    uri.path().rsplit('/').next().unwrap_or_default()
}
