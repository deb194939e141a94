"""Schemathesis hooks for scripts/contract-test.sh.

One narrow exception to `positive_data_acceptance` (ST202, "schema-valid request
rejected"): a 400 that depends on stored state or on another object, which no request
schema can express (a name already taken, a per-user limit reached, an id in the body that
names nothing). Each entry names the operation, the error `code`/`attr` the server answers
and why; any other 400 to schema-valid data still fails the run.
"""

import re

import schemathesis

# (operationId regex, code, attr regex or None, detail substring or None, why)
STATE_DEPENDENT = [
    (r"login_create", "invalid_credentials", None, None,
     "well-formed credentials of no account (PostHog answers 400)"),
    (r"organizations_roles_(create|update|partial_update)", "unique", r"name", None,
     "role names are unique in an organization"),
    (r"organizations_members_create", "unique", r"email", None,
     "the email already has an account or is a member"),
    (r"personal_api_keys_create", "invalid_input", None, "You can only have",
     "at most 10 personal API keys per user"),
    (r"personal_api_keys_create", "invalid_input", r"scoped_(teams|organizations)", None,
     "the key is limited to projects / organizations the user must belong to"),
    (r"organizations_members_create", "required", r"password", "No user has this email",
     "without a password only an existing account can be added"),
    (r"organizations_roles_role_memberships_create", "invalid", None, "User does not exist",
     "user_uuid must name a member of the organization"),
    (r"logs_alerts_(create|update|partial_update)", "invalid_input", r"snooze_until",
     "Must be a future datetime", "snooze_until is compared with the clock"),
    (r"logs_alerts_(create|update|partial_update|simulate_create)", "invalid_input", r"filters",
     "At least one filter is required", "an enabled alert (on PATCH: the stored flag) needs a filter"),
    (r"logs_alerts_(create|update|partial_update|simulate_create)", "invalid_input",
     r"datapoints_to_alarm", "Cannot exceed evaluation_periods", "N <= M, across two fields"),
    (r"logs_alerts_create", "invalid_input", None, "Maximum number of alerts",
     "at most 20 alerts per project"),
    (r"logs_alerts_destinations_delete_create", "invalid_input", None, "do not belong to this alert",
     "the ids must name this alert's destinations"),
    (r"logs_alerts_reset_create", "invalid_input", r"state", "Only broken alerts can be reset",
     "reset depends on the alert's state"),
    (r"approval_policies_(create|update|partial_update)", "invalid_input", None,
     "A policy for this action already exists",
     "one policy per action"),
    (r"logs_alerts_(create|update|partial_update)", "invalid_input", r"schedule_restriction",
     "Each blocked window must be at least", "a window's length is end minus start"),
    (r"logs_alerts_(create|update|partial_update)", "invalid_input", r"schedule_restriction",
     "cannot cover the whole day", "the windows together, after merging"),
    (r"logs_sampling_rules_partial_update", "invalid_input", r"config", None,
     "without rule_type, config is read for the stored rule's type"),
    (r"approval_policies_(create|update|partial_update)", "invalid_input", r"bypass_roles",
     "Roles do not exist", "the role ids must name roles"),
    (r"logs_sampling_rules_(create|update|partial_update)", "invalid_input", r"config", "must be at least",
     "a rate limit's burst is at least its rate, across two fields"),
    (r"logs_alerts_destinations_create", "forbidden_address", r"webhook_url", None,
     "the webhook's host is resolved when it is saved: internal addresses are refused"),
    (r"logs_sampling_rules_simulate_create", "invalid_input", r"config", None,
     "without rule_type, config is read for the stored rule's type"),
    (r"logs_(query|count|count_ranges|sparkline|services|export|alerts_simulate)_create", "invalid_input",
     r"filterGroup|filters", "Invalid filterGroup",
     "which operators each built-in field takes, and valid regular expressions and dates"),
    (r"logs_(query|count|count_ranges|sparkline|services|export)_create", "invalid_input", r"customColumns",
     "Invalid custom column",
     "a custom column is a field path or a HogQL expression, parsed by the server"),
    (r"logs_alerts_(create|update|partial_update)", "invalid_input", r"filters", "Invalid filterGroup",
     "which operators each built-in field takes, and valid regular expressions and dates"),
    (r"logs_alerts_destinations_create", "invalid", r"slack_workspace_id", "No Slack integration",
     "slack_workspace_id must name a Slack integration of the project"),
    (r"logs_(query|count|count_ranges|sparkline|services|export)_create", "invalid_input", r"after",
     "Invalid cursor", "a cursor is the nextCursor of an earlier page"),
    (r"logs_(query|count|count_ranges|sparkline|services|export)_create", "invalid_input", r"dateRange",
     "must not be after date_to", "the two ends of the range, across two fields"),
    (r"logs_sampling_rules_simulate_create", "invalid_input", r"date_from",
     "must not be after date_to", "the two ends of the range, across two fields"),
    (r"approval_policies_(create|update|partial_update)", "invalid_input", r"expires_after",
     "Duration has wrong format", "a number of seconds is read through its decimal text (1e-7 is not one)"),
    (r"logs_alerts_destinations_create", "invalid", r"webhook_url", "Enter a valid URL",
     "host syntax (IDNA) is the URL parser's"),
    (r"logs_sampling_rules_reorder_create", "invalid_input", r"ordered_ids", "must list every sampling rule",
     "the list must be exactly the project's rules"),
]


def _error(response):
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - a non-JSON body is never exempt
        return None
    return body if isinstance(body, dict) else None


def exempt(operation_id, status, body):
    """Whether a 400 answer to schema-valid data is one of the STATE_DEPENDENT refusals."""
    if status != 400 or body is None:
        return False
    for op, code, attr, detail, _why in STATE_DEPENDENT:
        if not re.fullmatch(r"(environments_)?" + op, operation_id or ""):
            continue
        if body.get("code") != code:
            continue
        if attr is not None and not re.fullmatch(attr, str(body.get("attr") or "")):
            continue
        if detail is not None and detail not in str(body.get("detail") or ""):
            continue
        return True
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if getattr(failure, "code", None) != "ST202":
        return True
    operation_id = case.operation.definition.raw.get("operationId")
    return not exempt(operation_id, response.status_code, _error(response))
