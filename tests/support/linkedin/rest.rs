//! The fake's posts and comments.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{
    Behaviour, Inner, PERSON, St, error, fail, may_act_as, member, refuse, shown, unauthorized,
    unprocessable, versioned,
};

/// LinkedIn's limit on commentary (and the fake's, as sent).
const MAX_COMMENTARY: usize = 3000;

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found")
}

/// Reading an author's posts or comments back: organizations may; a
/// member only with `r_member_social`.
fn may_read(inner: &Inner, author: &str) -> bool {
    author != PERSON || inner.member_can_read
}

/// What a create request must carry, as the Posts API validates it.
fn validate_post(inner: &Inner, body: &Value) -> Result<(String, String), Box<Response>> {
    for field in [
        "author",
        "commentary",
        "visibility",
        "distribution",
        "lifecycleState",
    ] {
        if body.get(field).is_none() {
            return Err(Box::new(unprocessable(
                "FIELD_REQUIRED",
                &format!("/{field} :: field is required but not found and has no default value"),
            )));
        }
    }
    let author = body["author"].as_str().unwrap_or("").to_owned();
    if !may_act_as(&author) {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "ACCESS_DENIED",
            &format!("Member does not have permission to create content on behalf of {author}"),
        )));
    }
    let commentary = body["commentary"].as_str().unwrap_or("").to_owned();
    if commentary.encode_utf16().count() > MAX_COMMENTARY {
        return Err(Box::new(unprocessable(
            "INVALID_VALUE",
            "/commentary :: length exceeds 3000",
        )));
    }
    let content = &body["content"];
    let images: Vec<&Value> = match (content.get("media"), content.get("multiImage")) {
        (Some(one), None) => vec![one],
        (None, Some(many)) => many["images"].as_array().into_iter().flatten().collect(),
        _ => vec![],
    };
    for image in images {
        let id = image["id"].as_str().unwrap_or("");
        match inner.images.get(id) {
            Some(i) if i.owner == author && i.status() == "AVAILABLE" => {}
            Some(i) if i.owner == author => {
                return Err(Box::new(unprocessable(
                    "INVALID_VALUE",
                    &format!(
                        "/content/media/id :: {id} is not AVAILABLE ({})",
                        i.status()
                    ),
                )));
            }
            _ => {
                return Err(Box::new(unprocessable(
                    "INVALID_VALUE",
                    &format!("/content/media/id :: {id} does not exist or is not the author's"),
                )));
            }
        }
    }
    if let Some(first) = inner.seen.get(&(author.clone(), commentary.clone())) {
        return Err(Box::new(unprocessable(
            "DUPLICATE_POST",
            &format!("Content is a duplicate of {first}"),
        )));
    }
    Ok((author, commentary))
}

/// `POST /rest/posts`: 201, an empty body, the URN in `x-restli-id`.
pub async fn create_post(State(st): State<St>, headers: HeaderMap, body: String) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "ILLEGAL_ARGUMENT",
            "Unable to parse request body",
        );
    };
    let text = shown(body["commentary"].as_str().unwrap_or(""));
    let behaviour = st.control.create_request(&text);
    match behaviour {
        Behaviour::Unauthorized => return unauthorized(),
        Behaviour::Invalid => {
            return unprocessable("INVALID_VALUE", "/visibility :: invalid value");
        }
        _ => {}
    }
    if let Some(r) = behaviour.refusal(refuse) {
        return r;
    }
    let _awake = behaviour.before_work(&st.control).await;
    let urn = {
        let mut inner = st.inner.lock().unwrap();
        let (author, commentary) = match validate_post(&inner, &body) {
            Ok(ok) => ok,
            Err(r) => return *r,
        };
        inner.next_id += 1;
        let urn = format!("urn:li:share:7141138937{:09}", inner.next_id);
        let post = json!({
            "id": urn,
            "seq": inner.next_id,
            "author": author,
            "commentary": commentary,
            "text": text,
            "visibility": body["visibility"],
            "lifecycleState": body["lifecycleState"],
            "content": body.get("content").cloned().unwrap_or(Value::Null),
            "createdAt": st.control.now().timestamp_millis(),
        });
        inner.posts.insert(urn.clone(), post);
        inner.seen.insert((author, commentary), urn.clone());
        urn
    };
    created(
        &st,
        behaviour,
        &text,
        StatusCode::CREATED.into_response(),
        &urn,
    )
    .await
}

/// The work is done: count it, then answer 201 (with `x-restli-id`) or as
/// the behaviour says.
async fn created(
    st: &St,
    behaviour: Behaviour,
    text: &str,
    mut ok: Response,
    id: &str,
) -> Response {
    st.control.created(text);
    ok.headers_mut()
        .insert("x-restli-id", id.parse().expect("a header value"));
    behaviour.after_work(&st.control, ok, fail).await
}

/// `GET /rest/posts/{urn}`.
pub async fn get_post(
    State(st): State<St>,
    headers: HeaderMap,
    Path(urn): Path<String>,
) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    match st.inner.lock().unwrap().posts.get(&urn) {
        Some(post) => axum::Json(post.clone()).into_response(),
        None => not_found(),
    }
}

/// `GET /rest/posts?q=author&author=…`: newest first, `count` of them.
pub async fn find_posts(
    State(st): State<St>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    let (Some("author"), Some(author)) = (q.get("q").map(String::as_str), q.get("author")) else {
        return error(
            StatusCode::BAD_REQUEST,
            "ILLEGAL_ARGUMENT",
            "finder `q` is required",
        );
    };
    let inner = st.inner.lock().unwrap();
    if !may_act_as(author) || !may_read(&inner, author) {
        return error(
            StatusCode::FORBIDDEN,
            "ACCESS_DENIED",
            "Not enough permissions to access: partnerApiPostsExternal.FINDER-author",
        );
    }
    let count = q
        .get("count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(10usize);
    let mut posts: Vec<Value> = inner
        .posts
        .values()
        .filter(|p| p["author"] == author.as_str())
        .cloned()
        .collect();
    posts.sort_by_key(|p| std::cmp::Reverse(p["seq"].as_u64()));
    posts.truncate(count.min(100));
    axum::Json(json!({"elements": posts, "paging": {"count": count, "start": 0}})).into_response()
}

/// `DELETE /rest/posts/{urn}`: 204, and its comments go with it.
pub async fn delete_post(
    State(st): State<St>,
    headers: HeaderMap,
    Path(urn): Path<String>,
) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    let mut inner = st.inner.lock().unwrap();
    let known = inner.seen.values().any(|u| *u == urn);
    if inner.posts.remove(&urn).is_none() && !known {
        return not_found();
    }
    inner.comments.retain(|_, c| c["object"] != urn.as_str());
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /rest/socialActions/{urn}/comments`.
pub async fn create_comment(
    State(st): State<St>,
    headers: HeaderMap,
    Path(object): Path<String>,
    body: String,
) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    let Ok(body) = serde_json::from_str::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "ILLEGAL_ARGUMENT",
            "Unable to parse request body",
        );
    };
    let sent = body["message"]["text"].as_str().unwrap_or("").to_owned();
    let text = shown(&sent);
    let behaviour = st.control.create_request(&text);
    if behaviour == Behaviour::Unauthorized {
        return unauthorized();
    }
    if let Some(r) = behaviour.refusal(refuse) {
        return r;
    }
    let actor = body["actor"].as_str().unwrap_or("").to_owned();
    if body["object"] != object.as_str() || !may_act_as(&actor) {
        return unprocessable("INVALID_VALUE", "/object or /actor :: invalid value");
    }
    let _awake = behaviour.before_work(&st.control).await;
    let comment = {
        let mut inner = st.inner.lock().unwrap();
        if !inner.posts.contains_key(&object) {
            return not_found();
        }
        inner.next_id += 1;
        let id = format!("6636062862{:09}", inner.next_id);
        let urn = format!("urn:li:comment:({object},{id})");
        let now = st.control.now().timestamp_millis();
        let comment = json!({
            "id": id,
            "seq": inner.next_id,
            "commentUrn": urn,
            "actor": actor,
            "object": object,
            "message": {"text": sent},
            "text": text,
            "created": {"actor": actor, "time": now},
            "lastModified": {"actor": actor, "time": now},
        });
        inner.comments.insert(urn, comment.clone());
        comment
    };
    let id = comment["id"].as_str().unwrap_or_default().to_owned();
    let ok = (StatusCode::CREATED, axum::Json(comment)).into_response();
    created(&st, behaviour, &text, ok, &id).await
}

/// `GET /rest/socialActions/{urn}/comments`.
pub async fn list_comments(
    State(st): State<St>,
    headers: HeaderMap,
    Path(object): Path<String>,
) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    let inner = st.inner.lock().unwrap();
    let Some(post) = inner.posts.get(&object) else {
        return not_found();
    };
    if !may_read(&inner, post["author"].as_str().unwrap_or("")) {
        return error(
            StatusCode::FORBIDDEN,
            "ACCESS_DENIED",
            "Not enough permissions to access: socialActions.comments.FINDER",
        );
    }
    let mut comments: Vec<Value> = inner
        .comments
        .values()
        .filter(|c| c["object"] == object.as_str())
        .cloned()
        .collect();
    comments.sort_by_key(|c| c["seq"].as_u64());
    axum::Json(json!({"elements": comments})).into_response()
}

/// `DELETE /rest/socialActions/{urn}/comments/{id}?actor=…`.
pub async fn delete_comment(
    State(st): State<St>,
    headers: HeaderMap,
    Path((object, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = versioned(&headers) {
        return r;
    }
    if member(&headers).is_none() {
        return unauthorized();
    }
    let urn = format!("urn:li:comment:({object},{id})");
    let mut inner = st.inner.lock().unwrap();
    match inner.comments.get(&urn) {
        Some(c)
            if Some(c["actor"].as_str().unwrap_or("")) == q.get("actor").map(String::as_str) =>
        {
            inner.comments.remove(&urn);
            StatusCode::NO_CONTENT.into_response()
        }
        Some(_) => error(
            StatusCode::FORBIDDEN,
            "ACCESS_DENIED",
            "Only the comment's actor may delete it",
        ),
        None => not_found(),
    }
}
