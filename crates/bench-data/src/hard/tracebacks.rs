//! Python tracebacks, one template each: a lead line (with placeholders), the frames
//! (file, line, function, code; printed as they are) and the exception.

use super::Kind::{self, Auth, Cache, Db, Http, Job, Mail, Order, Queue, Runtime};

/// `{lead}\nTraceback (most recent call last):\n  File "{file}", line {line}, in {func}\n    {code}...\n{exception}`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PythonTrace {
    pub kind: Kind,
    pub lead: &'static str,
    pub frames: &'static [(&'static str, u32, &'static str, &'static str)],
    pub exception: &'static str,
}

const fn p(
    kind: Kind,
    lead: &'static str,
    frames: &'static [(&'static str, u32, &'static str, &'static str)],
    exception: &'static str,
) -> PythonTrace {
    PythonTrace { kind, lead, frames, exception }
}

pub const PYTHON_TRACES: &[PythonTrace] = &[
    p(
        Http,
        "Internal Server Error: {path}",
        &[
            (
                "/usr/local/lib/python3.12/site-packages/django/core/handlers/base.py",
                197,
                "_get_response",
                "response = wrapped_callback(request, *callback_args, **callback_kwargs)",
            ),
            (
                "/app/recommendations/views.py",
                64,
                "for_user",
                "items = ranker.top(request.user.id, limit=20)",
            ),
            (
                "/app/recommendations/ranker.py",
                131,
                "top",
                "return sorted(scores, key=lambda s: s[1])[:limit]",
            ),
        ],
        "TypeError: '<' not supported between instances of 'NoneType' and 'float'",
    ),
    p(
        Queue,
        "Task analytics.ingest[{id}] raised unexpected exception",
        &[
            (
                "/usr/local/lib/python3.12/site-packages/celery/app/trace.py",
                453,
                "trace_task",
                "R = retval = fun(*args, **kwargs)",
            ),
            ("/app/analytics/tasks.py", 88, "ingest", "event = Event.parse(payload)"),
            ("/app/analytics/models.py", 41, "parse", "return cls(**json.loads(raw)['event'])"),
        ],
        "KeyError: 'event'",
    ),
    p(
        Db,
        "Query failed on {table}",
        &[
            ("/app/geoip/lookup.py", 52, "resolve", "row = session.execute(stmt).one()"),
            (
                "/usr/local/lib/python3.12/site-packages/sqlalchemy/engine/result.py",
                1797,
                "one",
                "return self._only_one_row(raise_for_second_row=True)",
            ),
        ],
        "sqlalchemy.exc.NoResultFound: No row was found when one was required",
    ),
    p(
        Http,
        "Webhook delivery {id} to {host} failed",
        &[
            ("/app/webhooks/deliver.py", 77, "send", "resp = client.post(url, json=body, timeout=5)"),
            (
                "/usr/local/lib/python3.12/site-packages/httpx/_client.py",
                1145,
                "post",
                "return self.request(",
            ),
            (
                "/usr/local/lib/python3.12/site-packages/httpx/_transports/default.py",
                86,
                "map_httpcore_exceptions",
                "raise mapped_exc(message) from exc",
            ),
        ],
        "httpx.ConnectTimeout: timed out",
    ),
    p(
        Job,
        "Export {id} failed",
        &[
            ("/app/exports/worker.py", 119, "run", "writer.write_rows(cursor)"),
            ("/app/exports/csv_writer.py", 36, "write_rows", "self._fh.write(self._encode(row))"),
        ],
        "OSError: [Errno 28] No space left on device",
    ),
    p(
        Runtime,
        "Image {id} could not be resized",
        &[
            ("/app/images/resize.py", 58, "resize", "img = Image.open(io.BytesIO(data))"),
            (
                "/usr/local/lib/python3.12/site-packages/PIL/Image.py",
                3339,
                "open",
                "raise UnidentifiedImageError(msg)",
            ),
        ],
        "PIL.UnidentifiedImageError: cannot identify image file <_io.BytesIO object at 0x7f3a2c1e4d60>",
    ),
    p(
        Auth,
        "Token refresh failed for {uid}",
        &[
            ("/app/auth/refresh.py", 45, "refresh", "claims = jwt.decode(token, key, algorithms=['RS256'])"),
            (
                "/usr/local/lib/python3.12/site-packages/jwt/api_jwt.py",
                210,
                "decode",
                "decoded = self.decode_complete(",
            ),
            (
                "/usr/local/lib/python3.12/site-packages/jwt/api_jwt.py",
                362,
                "_validate_exp",
                "raise ExpiredSignatureError('Signature has expired')",
            ),
        ],
        "jwt.exceptions.ExpiredSignatureError: Signature has expired",
    ),
    p(
        Mail,
        "Notification {id} for {user} not sent",
        &[
            ("/app/notifications/dispatch.py", 93, "dispatch", "channel.send(user, render(template, ctx))"),
            ("/app/notifications/render.py", 27, "render", "return env.get_template(name).render(**ctx)"),
        ],
        "jinja2.exceptions.UndefinedError: 'dict object' has no attribute 'first_name'",
    ),
    p(
        Cache,
        "Feature flag sync from {host} failed",
        &[
            ("/app/flags/sync.py", 71, "pull", "data = redis.hgetall(f'flags:{env}')"),
            (
                "/usr/local/lib/python3.12/site-packages/redis/connection.py",
                357,
                "connect",
                "raise ConnectionError(self._error_message(e))",
            ),
        ],
        "redis.exceptions.ConnectionError: Error 111 connecting to redis-main.internal:6379. Connection refused.",
    ),
    p(
        Order,
        "Could not apply promotion to order {order}",
        &[
            ("/app/pricing/promotions.py", 148, "apply", "discount = rule.compute(order)"),
            ("/app/pricing/rules.py", 63, "compute", "return Decimal(order.total) * self.rate / 0"),
        ],
        "decimal.DivisionByZero: [<class 'decimal.DivisionByZero'>]",
    ),
];
