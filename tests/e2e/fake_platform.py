#!/usr/bin/env python3
"""Fake Meta Marketing API / TikTok Business API v1.3 / Apple Ads (Platform API v1 and Campaign
Management API v5) server (stdlib only).

One process, one port, all three platforms (paths do not collide):
  Meta   : /v27.0/...              (money in Meta's unit for the account currency)
  TikTok : /open_api/v1.3/...      (minimum budget per advertiser currency, request_id idempotency)
  Apple  : /v1/...                 (Apple Ads Platform API: X-AP-Context adAccountId=, {result} answers,
                                    {error: {code, message, details}} errors)
           /api/v5/...             (Campaign Management API v5: X-AP-Context orgId=, {data} answers)
Every account bills in USD unless POST /_control/currency {platform, currency} says otherwise.
Control:
  POST /_control/fault   {platform, match, method?, kind, times, seconds, apply, apply_at,
                          retry_after, code, status}
        kind: "delay"  hold `seconds`, then respond (apply=true) or drop the connection
                       (apply=false). apply_at "start" (default) commits the write before
                       the hold (lost response), "end" commits it after the hold.
              "429"    HTTP 429 with Retry-After: retry_after and the platform's throttle body
              "500"    HTTP 500 with the platform's error body
              "tiktok_code"  HTTP 200 with {"code": code} (default 40100)
              "reject" the platform's native permanent refusal (Meta 400 code 100,
                       TikTok HTTP 200 code 40002, Apple v5 400 INVALID_INPUT, Apple v1 400
                       INVALID_ARGUMENT with a detail naming the field)
  POST /_control/reset   {"objects": bool}  clear faults (and objects/log if objects=true)
  POST /_control/currency {platform, currency}  the currency the platform's account bills in
  GET  /_control/state   objects, request log, in-flight (held) requests, faults
Every request (method, path, query, headers, body, response) goes to the JSONL log.
Conformance remarks (fields the real API documents differently) are recorded per request
under "violations" without refusing the write, unless the write is unusable. --strict-apple refuses
Apple v1 query fields the reference does not document (QueryFilter "values", pagination "limit")
as a strict schema would, instead of reading them.
"""
import argparse
import base64
import datetime as dt
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

LOCK = threading.Lock()
STATE = {"meta": {}, "tiktok": {}, "apple": {}}
APPLE_CHILDREN = {"adgroups": {}, "ads": {}}  # Apple v1 ad groups and ads (not campaigns)
TT_REQUEST_IDS = {}  # (advertiser_id, request_id) -> campaign_id: TikTok's create idempotency
CURRENCY = {"meta": "USD", "tiktok": "USD", "apple": "USD"}
STRICT = {"apple": False}  # --strict-apple: refuse request fields Apple's v1 reference does not document
REQUESTS = []
FAULTS = []
INFLIGHT = {}
SEQ = {"n": 0, "meta": 120210000000000000, "tiktok": 1790000000000000000, "apple": 1500000000}
LOGFILE = None
TOKENS = {}  # platform -> expected token (optional)


CLOCK = {"skew": 0.0}


def now_utc():
    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=CLOCK["skew"])


def meta_time(t):  # Meta: 2024-05-01T12:00:00+0000
    return t.strftime("%Y-%m-%dT%H:%M:%S+0000")


def tiktok_time(t):  # TikTok: 2024-05-01 12:00:00 (UTC)
    return t.strftime("%Y-%m-%d %H:%M:%S")


def apple_time(t):  # Apple: 2024-05-01T12:00:00.123 (UTC, no zone)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (t.microsecond // 1000)


def next_id(p):
    with LOCK:
        SEQ[p] += 1 + (SEQ["n"] % 7)
        SEQ["n"] += 1
        return SEQ[p]


def platform_of(path):
    if path.startswith("/open_api/"):
        return "tiktok"
    if path.startswith("/api/v5/") or path.startswith("/v1/"):
        return "apple"
    if re.match(r"^/v\d+\.\d+/", path):
        return "meta"
    return None


def fbtrace():
    return base64.b64encode(uuid.uuid4().bytes[:9]).decode().rstrip("=")


def tt_reqid():
    return now_utc().strftime("%Y%m%d%H%M%S") + uuid.uuid4().hex[:18].upper()


class Reply(Exception):
    def __init__(self, status, body, headers=None):
        self.status, self.body, self.headers = status, body, headers or {}


# ---------------------------------------------------------------- native errors
def meta_error(code, msg, subcode=None, etype="OAuthException", status=400, transient=False, user_title=None):
    e = {"message": msg, "type": etype, "code": code, "fbtrace_id": fbtrace()}
    if subcode is not None:
        e["error_subcode"] = subcode
    if transient:
        e["is_transient"] = True
    if user_title:
        e["error_user_title"] = user_title
        e["error_user_msg"] = msg
    return Reply(status, {"error": e})


def tt_env(code, message, data=None):
    return {"code": code, "message": message, "request_id": tt_reqid(), "data": data if data is not None else {}}


def tt_error(code, message, status=200):
    return Reply(status, tt_env(code, message))


def apple_error(status, code, message, field=None):
    e = {"messageCode": code, "message": message}
    if field:
        e["field"] = field
    return Reply(status, {"data": None, "pagination": None, "error": {"errors": [e]}})


def apple_v1_error(status, code, message, detail_code=None, detail_message=None, field=None):
    """The Apple Ads Platform API ErrorResponse: {error: {code, message, details: [{code, message, info}]}}."""
    e = {"code": code, "message": message}
    if detail_code:
        d = {"code": detail_code, "message": detail_message or message}
        if field:
            d["info"] = {"field": field}
        e["details"] = [d]
    return Reply(status, {"error": e})


def fault_reply(platform, kind, f, path=""):
    v1 = platform == "apple" and path.startswith("/v1/")
    if kind == "429":
        ra = str(f.get("retry_after", 1))
        if platform == "meta":
            r = meta_error(80004, "There have been too many calls to this ad-account. Wait a bit and try again.",
                           subcode=2446079, status=429)
        elif platform == "tiktok":
            r = Reply(429, tt_env(40100, "Requests made too frequently. Please try again later."))
        elif v1:
            r = apple_v1_error(429, "RATE_LIMIT_EXCEEDED", "The request quota has been exceeded. Retry later.")
        else:
            r = apple_error(429, "RATE_LIMIT_EXCEEDED", "Too many requests")
        r.headers["Retry-After"] = ra
        return r
    if kind == "500":
        if platform == "meta":
            return meta_error(2, "An unexpected error has occurred. Please retry your request later.",
                              status=500, transient=True)
        if platform == "tiktok":
            return Reply(500, tt_env(50000, "System error"))
        if v1:
            return apple_v1_error(500, "INTERNAL", "An internal error occurred. Retry later.")
        return apple_error(500, "INTERNAL_ERROR", "Internal server error")
    if kind == "tiktok_code":
        code = int(f.get("code", 40100))
        msg = {40100: "Requests made too frequently. Please try again later.", 50000: "System error",
               40105: "Access token is incorrect or has been revoked."}.get(code, "Error")
        return Reply(200, tt_env(code, msg))
    if kind == "reject":
        if platform == "meta":
            return meta_error(100, "Invalid parameter", subcode=1885183, user_title="Ads creative post was created by an app that is in development mode")
        if platform == "tiktok":
            return Reply(200, tt_env(40002, "Campaign name already exists. Please try another one."))
        if v1:
            return apple_v1_error(400, "INVALID_ARGUMENT",
                                  "The request could not be processed because of missing or invalid fields.",
                                  "DUPLICATE_VALUE", "A campaign with this name already exists.", field="name")
        return apple_error(400, "INVALID_INPUT", "CAMPAIGN NAME IS NOT UNIQUE", field="CampaignUpdate.name")
    raise Reply(500, {"fake": "unknown fault kind %s" % kind})


# ---------------------------------------------------------------- Meta
META_OBJECTIVES = {"OUTCOME_SALES", "OUTCOME_TRAFFIC", "OUTCOME_APP_PROMOTION", "OUTCOME_LEADS",
                   "OUTCOME_AWARENESS", "OUTCOME_ENGAGEMENT"}
META_STATUS = {"ACTIVE", "PAUSED", "ARCHIVED", "DELETED"}
META_BID = {"LOWEST_COST_WITHOUT_CAP", "LOWEST_COST_WITH_BID_CAP", "COST_CAP", "LOWEST_COST_WITH_MIN_ROAS"}


# Meta's "Currency codes" offsets: amounts are integers in major units x offset. 100 unless listed
# (BHD and JOD are counted in hundredths, so 100 as well).
META_OFFSET_1 = {"CLP", "COP", "CRC", "HUF", "IDR", "ISK", "JPY", "KRW", "PYG", "TWD", "VND"}


def meta_offset(cur):
    return 1 if cur in META_OFFSET_1 else 100


def meta_check_token(req, v):
    auth = req["headers"].get("authorization", "")
    tok = None
    if auth.lower().startswith("bearer ") or auth.lower().startswith("oauth "):
        tok = auth.split(" ", 1)[1]
    tok = tok or req["params"].get("access_token")
    if not tok:
        raise meta_error(104, "An access token is required to request this resource.")
    if TOKENS.get("meta") and tok != TOKENS["meta"]:
        raise meta_error(190, "Invalid OAuth access token - Cannot parse access token", etype="OAuthException", status=400)


def meta_int(v, field, viol):
    if isinstance(v, bool):
        raise meta_error(100, "(#100) Param %s must be an integer" % field)
    if isinstance(v, int):
        return v
    if isinstance(v, str) and re.fullmatch(r"\d+", v):
        return int(v)
    raise meta_error(100, "(#100) Param %s must be an integer in the account currency's offset unit, got %r" % (field, v))


def meta_view(c, fields):
    full = dict(c)
    for k in ("daily_budget", "lifetime_budget", "bid_amount", "budget_remaining"):
        if full.get(k) is not None:
            full[k] = str(full[k])
    full["effective_status"] = full["status"]
    full["configured_status"] = full["status"]
    if not fields:
        return {"id": c["id"], "name": c["name"]}
    out = {"id": c["id"]}
    for f in fields:
        if f in full and full[f] is not None:
            out[f] = full[f]
    return out


def meta_handle(req, viol):
    path, method, p = req["path"], req["method"], req["params"]
    meta_check_token(req, viol)
    m = re.fullmatch(r"/v27\.0/act_(\d+)/campaigns", path)
    if not m and re.fullmatch(r"/v\d+\.\d+/.*", path) and not path.startswith("/v27.0/"):
        viol.append("Meta API version is not v27.0: %s" % path)
    if re.fullmatch(r"/v27\.0/(\d+)/campaigns", path):
        raise meta_error(100, "(#100) Unsupported post request. Ad account ids must carry the act_ prefix",
                         subcode=33, etype="GraphMethodException")
    if m and method == "POST":
        acct = m.group(1)
        for req_f in ("name", "objective"):
            if not p.get(req_f):
                raise meta_error(100, "(#100) The parameter %s is required" % req_f)
        if "special_ad_categories" not in p:
            raise meta_error(100, "(#100) The parameter special_ad_categories is required")
        sac = p["special_ad_categories"]
        if isinstance(sac, str):
            try:
                sac = json.loads(sac)
            except Exception:
                raise meta_error(100, "(#100) Param special_ad_categories must be an array")
        if not isinstance(sac, list):
            raise meta_error(100, "(#100) Param special_ad_categories must be an array")
        if p["objective"] not in META_OBJECTIVES:
            raise meta_error(100, "(#100) Param objective must be one of {%s}" % ", ".join(sorted(META_OBJECTIVES)),
                             subcode=None)
        st = p.get("status", "ACTIVE")
        if st not in ("ACTIVE", "PAUSED"):
            raise meta_error(100, "(#100) Only ACTIVE and PAUSED are valid during creation")
        daily = meta_int(p["daily_budget"], "daily_budget", viol) if p.get("daily_budget") not in (None, "") else None
        life = meta_int(p["lifetime_budget"], "lifetime_budget", viol) if p.get("lifetime_budget") not in (None, "") else None
        if daily is not None and life is not None:
            raise meta_error(100, "(#100) daily_budget and lifetime_budget cannot both be set", subcode=1885621)
        cur = CURRENCY["meta"]
        if daily is not None and daily < meta_offset(cur):
            viol.append("Meta daily_budget %d (%s, offset %d) is below Meta's typical minimum of 1 %s a day"
                        % (daily, cur, meta_offset(cur), cur))
        if p.get("bid_strategy") and p["bid_strategy"] not in META_BID:
            raise meta_error(100, "(#100) Param bid_strategy invalid")
        for k in p:
            if k not in ("name", "objective", "status", "special_ad_categories", "daily_budget", "lifetime_budget",
                         "bid_strategy", "bid_amount", "buying_type", "start_time", "stop_time", "access_token",
                         "special_ad_category_country", "spend_cap", "is_adset_budget_sharing_enabled",
                         "promoted_object", "execution_options", "pacing_type"):
                viol.append("Meta campaign create: unknown parameter %r" % k)
        cid = str(next_id("meta"))
        t = now_utc()
        c = {"id": cid, "account_id": acct, "name": p["name"], "objective": p["objective"], "status": st,
             "special_ad_categories": sac, "daily_budget": daily, "lifetime_budget": life,
             "bid_strategy": p.get("bid_strategy") or ("LOWEST_COST_WITHOUT_CAP" if (daily or life) else None),
             "bid_amount": p.get("bid_amount"), "start_time": p.get("start_time"), "stop_time": p.get("stop_time"),
             "created_time": meta_time(t), "updated_time": meta_time(t), "_created": t.timestamp(),
             "_writes": 1}
        with LOCK:
            STATE["meta"][cid] = c
        return 200, {"id": cid}
    if m and method == "GET":
        acct = m.group(1)
        fields = [f for f in (p.get("fields") or "").split(",") if f]
        items = [c for c in STATE["meta"].values() if c["account_id"] == acct]
        filt = p.get("filtering")
        if filt:
            try:
                filt = json.loads(filt) if isinstance(filt, str) else filt
                assert isinstance(filt, list)
            except Exception:
                raise meta_error(100, "(#100) param filtering must be an array.")
            for cond in filt:
                fld = cond.get("field", "")
                op = cond.get("operator", "")
                val = cond.get("value")
                base = fld.split(".")[-1] if fld.startswith("campaign.") else fld
                if base == "name":
                    if op == "EQUAL":
                        items = [c for c in items if c["name"] == val]
                    elif op == "CONTAIN":
                        items = [c for c in items if str(val) in c["name"]]
                    else:
                        raise meta_error(100, "(#100) Filtering operator %s is not supported for name" % op)
                elif base == "id":
                    vals = val if isinstance(val, list) else [val]
                    items = [c for c in items if c["id"] in [str(x) for x in vals]]
                elif base in ("created_time", "updated_time"):
                    try:
                        ts = float(val)
                    except Exception:
                        raise meta_error(100, "(#100) created_time filter value must be a unix timestamp")
                    if op == "GREATER_THAN":
                        items = [c for c in items if c["_created"] > ts]
                    elif op == "GREATER_THAN_OR_EQUAL":
                        items = [c for c in items if c["_created"] >= ts]
                    elif op == "LESS_THAN":
                        items = [c for c in items if c["_created"] < ts]
                    else:
                        raise meta_error(100, "(#100) operator %s invalid for created_time" % op)
                elif base in ("effective_status", "status", "configured_status"):
                    vals = val if isinstance(val, list) else [val]
                    items = [c for c in items if c["status"] in vals]
                else:
                    raise meta_error(100, "(#100) Filtering field %s is invalid." % fld)
        items.sort(key=lambda c: -c["_created"])
        limit = int(p.get("limit") or 25)
        start = int(base64.b64decode(p["after"]).decode()) if p.get("after") else 0
        page = items[start:start + limit]
        out = {"data": [meta_view(c, fields) for c in page], "paging": {"cursors": {
            "before": base64.b64encode(str(start).encode()).decode(),
            "after": base64.b64encode(str(start + len(page)).encode()).decode()}}}
        if start + limit < len(items):
            out["paging"]["next"] = "http://fake/next"
        return 200, out
    m = re.fullmatch(r"/v27\.0/(\d+)", path)
    if m:
        cid = m.group(1)
        c = STATE["meta"].get(cid)
        if not c or c["status"] == "DELETED" and method == "POST":
            raise meta_error(100, "(#100) Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation" % (method.lower(), cid), subcode=33, etype="GraphMethodException")
        if method == "GET":
            fields = [f for f in (p.get("fields") or "").split(",") if f]
            return 200, meta_view(c, fields)
        if method == "POST":
            upd = {}
            for k, v in p.items():
                if k == "access_token":
                    continue
                if k in ("daily_budget", "lifetime_budget", "bid_amount"):
                    upd[k] = meta_int(v, k, viol)
                elif k == "status":
                    if v not in META_STATUS:
                        raise meta_error(100, "(#100) Param status must be one of {ACTIVE, PAUSED, DELETED, ARCHIVED}")
                    upd[k] = v
                elif k in ("name", "bid_strategy", "start_time", "stop_time", "special_ad_categories", "spend_cap"):
                    upd[k] = v
                else:
                    viol.append("Meta campaign update: unknown parameter %r" % k)
            if c.get("daily_budget") is not None and upd.get("lifetime_budget") is not None:
                raise meta_error(100, "(#100) Cannot switch a daily budget campaign to a lifetime budget", subcode=1885621)
            with LOCK:
                c.update(upd)
                c["updated_time"] = meta_time(now_utc())
                c["_writes"] += 1
            return 200, {"success": True}
        if method == "DELETE":
            with LOCK:
                c["status"] = "DELETED"
            return 200, {"success": True}
    raise meta_error(100, "(#100) Unknown path components: %s" % path, etype="GraphMethodException")


# ---------------------------------------------------------------- TikTok
TT_OBJ = {"REACH", "TRAFFIC", "VIDEO_VIEWS", "LEAD_GENERATION", "ENGAGEMENT", "APP_PROMOTION",
          "WEB_CONVERSIONS", "PRODUCT_SALES", "CONVERSIONS", "APP_INSTALL", "CATALOG_SALES"}
TT_MODES = {"BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL", "BUDGET_MODE_INFINITE", "BUDGET_MODE_DYNAMIC_DAILY_BUDGET"}


# TikTok's smallest campaign budget: 50 USD "or the equivalent" in the advertiser's currency
# (daily and lifetime alike), in major units; a currency not listed keeps 50.
TT_MINIMUM = {"USD": 50, "EUR": 50, "GBP": 40, "CAD": 70, "AUD": 80, "JPY": 7500, "KRW": 70000,
              "INR": 4200, "BRL": 270, "MXN": 900, "HUF": 18000, "IDR": 820000, "VND": 1300000,
              "KWD": 16, "BHD": 19, "CHF": 45, "SEK": 530, "TRY": 1800}


def tt_view(c):
    out = {k: v for k, v in c.items() if not k.startswith("_")}
    return out


def tt_budget(v, viol, mode):
    if isinstance(v, bool) or v is None:
        raise tt_error(40002, "budget: Missing data for required field.")
    if isinstance(v, str):
        viol.append("TikTok budget sent as a JSON string %r; the API documents a float (number)" % v)
        try:
            v = float(v)
        except ValueError:
            raise tt_error(40002, "budget: Not a valid number.")
    if not isinstance(v, (int, float)):
        raise tt_error(40002, "budget: Not a valid number.")
    if round(v, 2) != v:
        raise tt_error(40002, "budget: at most two decimal places")
    cur = CURRENCY["tiktok"]
    least = TT_MINIMUM.get(cur, 50)
    if mode in ("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL") and v < least:
        raise tt_error(40002, "The budget should be at least %s %s." % (least, cur))
    return v


def tt_handle(req, viol):
    path, method = req["path"], req["method"]
    tok = req["headers"].get("access-token")
    if not tok:
        raise tt_error(40104, "Access token is null, you need to pass in the Access-Token header.")
    if TOKENS.get("tiktok") and tok != TOKENS["tiktok"]:
        raise tt_error(40105, "Access token is incorrect or has been revoked.")
    if req["headers"].get("authorization"):
        viol.append("TikTok request carries an Authorization header (TikTok reads Access-Token)")
    b = req["json"] if isinstance(req["json"], dict) else {}
    if method == "POST" and not req["headers"].get("content-type", "").startswith("application/json"):
        viol.append("TikTok POST without Content-Type: application/json")
    if path == "/open_api/v1.3/campaign/create/" and method == "POST":
        adv = b.get("advertiser_id")
        if not adv:
            raise tt_error(40002, "advertiser_id: Missing data for required field.")
        if not isinstance(adv, str):
            viol.append("TikTok advertiser_id should be a string, got %r" % type(adv).__name__)
        if not b.get("campaign_name"):
            raise tt_error(40002, "campaign_name: Missing data for required field.")
        if len(b["campaign_name"]) > 512:
            raise tt_error(40002, "campaign_name: too long")
        obj = b.get("objective_type")
        if obj not in TT_OBJ:
            raise tt_error(40002, "objective_type: Must be one of: %s." % ", ".join(sorted(TT_OBJ)))
        if obj in ("CONVERSIONS", "APP_INSTALL"):
            viol.append("TikTok objective_type %s is the legacy value; v1.3 uses WEB_CONVERSIONS / APP_PROMOTION" % obj)
        if obj == "APP_PROMOTION" and b.get("app_promotion_type") not in ("APP_INSTALL", "APP_RETARGETING",
                                                                          "APP_PREREGISTRATION", "APP_POSTS_PROMOTION"):
            raise tt_error(40002, "app_promotion_type: Missing or invalid value for an APP_PROMOTION campaign.")
        rid = b.get("request_id")
        if rid is not None:
            if not isinstance(rid, str) or not re.fullmatch(r"\d{1,19}", rid) or int(rid) > 2 ** 63 - 1:
                raise tt_error(40002, "request_id: Must be an int64 value in string format.")
            with LOCK:
                seen = TT_REQUEST_IDS.get((str(adv), rid))
            if seen:  # the same request_id within the idempotency window: the first create's answer
                return 200, tt_env(0, "OK", {"campaign_id": seen})
        mode = b.get("budget_mode")
        if mode not in TT_MODES:
            raise tt_error(40002, "budget_mode: Must be one of: %s." % ", ".join(sorted(TT_MODES)))
        budget = None
        if mode != "BUDGET_MODE_INFINITE":
            budget = tt_budget(b.get("budget"), viol, mode)
        ops = b.get("operation_status", "ENABLE")
        if ops not in ("ENABLE", "DISABLE"):
            raise tt_error(40002, "operation_status: Must be one of: ENABLE, DISABLE.")
        for k in b:
            if k not in ("advertiser_id", "campaign_name", "objective_type", "budget_mode", "budget",
                         "operation_status", "request_id", "campaign_type", "app_promotion_type",
                         "special_industries", "budget_optimize_on", "bid_type", "deep_bid_type",
                         "roas_bid", "optimization_goal", "is_smart_performance_campaign",
                         "campaign_product_source", "rf_campaign_type", "is_advanced_dedicated_campaign",
                         "disable_skan_campaign", "postback_window_mode", "app_id", "campaign_app_profile_page_state"):
                viol.append("TikTok campaign create: unknown field %r" % k)
        cid = str(next_id("tiktok"))
        t = now_utc()
        c = {"campaign_id": cid, "advertiser_id": str(adv), "campaign_name": b["campaign_name"],
             "objective_type": obj, "budget_mode": mode, "budget": budget if budget is not None else 0.0,
             "operation_status": ops, "secondary_status": "CAMPAIGN_STATUS_ENABLE" if ops == "ENABLE" else "CAMPAIGN_STATUS_DISABLE",
             "campaign_type": b.get("campaign_type", "REGULAR_CAMPAIGN"),
             "create_time": tiktok_time(t), "modify_time": tiktok_time(t), "is_new_structure": True,
             "_created": t.timestamp(), "_writes": 1}
        with LOCK:
            STATE["tiktok"][cid] = c
            if rid is not None:
                TT_REQUEST_IDS[(str(adv), rid)] = cid
        return 200, tt_env(0, "OK", {"campaign_id": cid})
    if path == "/open_api/v1.3/campaign/update/" and method == "POST":
        cid = str(b.get("campaign_id") or "")
        c = STATE["tiktok"].get(cid)
        if not b.get("advertiser_id"):
            raise tt_error(40002, "advertiser_id: Missing data for required field.")
        if not c or c["advertiser_id"] != str(b.get("advertiser_id")) or c["operation_status"] == "DELETE":
            raise tt_error(40002, "Campaign %s does not exist." % cid)
        upd = {}
        if "budget" in b:
            upd["budget"] = tt_budget(b["budget"], viol, c["budget_mode"])
        if "budget_mode" in b and b["budget_mode"] != c["budget_mode"]:
            raise tt_error(40002, "budget_mode cannot be modified.")
        if "campaign_name" in b:
            upd["campaign_name"] = b["campaign_name"]
        for k in b:
            if k not in ("advertiser_id", "campaign_id", "budget", "budget_mode", "campaign_name", "request_id",
                         "special_industries", "roas_bid", "deep_bid_type", "budget_optimize_on"):
                viol.append("TikTok campaign update: unknown field %r" % k)
        if "operation_status" in b:
            viol.append("TikTok /campaign/update/ does not change operation_status (use /campaign/status/update/)")
        with LOCK:
            c.update(upd)
            c["modify_time"] = tiktok_time(now_utc())
            c["_writes"] += 1
        return 200, tt_env(0, "OK", {"campaign_id": cid, "campaign_name": c["campaign_name"], "budget": c["budget"]})
    if path == "/open_api/v1.3/campaign/status/update/" and method == "POST":
        ids = b.get("campaign_ids")
        if not isinstance(ids, list) or not ids:
            raise tt_error(40002, "campaign_ids: Missing data for required field.")
        st = b.get("operation_status")
        if st not in ("ENABLE", "DISABLE", "DELETE"):
            raise tt_error(40002, "operation_status: Must be one of: DELETE, DISABLE, ENABLE.")
        for cid in ids:
            c = STATE["tiktok"].get(str(cid))
            if not c or c["advertiser_id"] != str(b.get("advertiser_id")):
                raise tt_error(40002, "Campaign %s does not exist." % cid)
        with LOCK:
            for cid in ids:
                c = STATE["tiktok"][str(cid)]
                c["operation_status"] = st
                c["secondary_status"] = {"ENABLE": "CAMPAIGN_STATUS_ENABLE", "DISABLE": "CAMPAIGN_STATUS_DISABLE",
                                         "DELETE": "CAMPAIGN_STATUS_DELETE"}[st]
                c["modify_time"] = tiktok_time(now_utc())
                c["_writes"] += 1
        return 200, tt_env(0, "OK", {"campaign_ids": [str(x) for x in ids], "status": st})
    if path == "/open_api/v1.3/campaign/get/" and method == "GET":
        q = req["params"]
        adv = q.get("advertiser_id")
        if not adv:
            raise tt_error(40002, "advertiser_id: Missing data for required field.")
        items = [c for c in STATE["tiktok"].values() if c["advertiser_id"] == adv]
        if q.get("filtering"):
            try:
                f = json.loads(q["filtering"])
                assert isinstance(f, dict)
            except Exception:
                raise tt_error(40002, "filtering: Not a valid JSON object.")
            for k, v in f.items():
                if k == "campaign_ids":
                    items = [c for c in items if c["campaign_id"] in [str(x) for x in v]]
                elif k == "campaign_name":  # documented as a fuzzy match
                    items = [c for c in items if str(v).lower() in c["campaign_name"].lower()]
                elif k == "creation_filter_start_time":
                    try:
                        ts = dt.datetime.strptime(v, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc).timestamp()
                    except Exception:
                        raise tt_error(40002, "filtering.creation_filter_start_time: format must be YYYY-MM-DD HH:MM:SS")
                    items = [c for c in items if c["_created"] >= ts]
                elif k == "creation_filter_end_time":
                    ts = dt.datetime.strptime(v, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc).timestamp()
                    items = [c for c in items if c["_created"] <= ts]
                elif k == "primary_status" or k == "secondary_status":
                    items = [c for c in items if c["secondary_status"] == v]
                elif k == "objective_type":
                    items = [c for c in items if c["objective_type"] == v]
                else:
                    raise tt_error(40002, "filtering: Unknown field %s." % k)
        items.sort(key=lambda c: -c["_created"])
        page = int(q.get("page") or 1)
        size = int(q.get("page_size") or 10)
        if size > 1000:
            raise tt_error(40002, "page_size: Must be between 1 and 1000.")
        sl = items[(page - 1) * size: page * size]
        return 200, tt_env(0, "OK", {"list": [tt_view(c) for c in sl], "page_info": {
            "page": page, "page_size": size, "total_number": len(items),
            "total_page": (len(items) + size - 1) // size}})
    raise tt_error(40002, "Invalid path %s" % path, status=404)


# ---------------------------------------------------------------- Apple
def apple_view(c):
    return {k: v for k, v in c.items() if not k.startswith("_")}


def apple_money(v, field, viol):
    if not isinstance(v, dict) or "amount" not in v or "currency" not in v:
        raise apple_error(400, "INVALID_INPUT", "Money must be {amount, currency}", field=field)
    if not isinstance(v["amount"], str):
        viol.append("Apple %s.amount sent as %s; the API documents a string" % (field, type(v["amount"]).__name__))
    try:
        amt = float(v["amount"])
    except Exception:
        raise apple_error(400, "INVALID_INPUT", "amount is not a decimal", field=field)
    if v["currency"] != CURRENCY["apple"]:
        raise apple_error(400, "INVALID_INPUT", "CURRENCY DOES NOT MATCH ORG CURRENCY", field=field)
    return {"amount": str(v["amount"]), "currency": v["currency"]}


def apple_org(req):
    ctx = req["headers"].get("x-ap-context", "")
    m = re.fullmatch(r"\s*orgId=(\d+)\s*", ctx)
    if not m:
        raise apple_error(400, "INVALID_INPUT", "X-AP-Context header with orgId is required")
    return int(m.group(1))


def apple_cond(c, cond):
    fld, op, vals = cond.get("field"), cond.get("operator"), cond.get("values") or []
    if fld not in ("name", "id", "status", "displayStatus", "servingStatus", "adamId", "countriesOrRegions",
                   "creationTime", "modificationTime", "deleted", "adChannelType"):
        raise apple_error(400, "INVALID_INPUT", "Invalid selector field", field="selector.conditions.field")
    v = c.get(fld)
    sv = str(v)
    if op == "EQUALS":
        return sv == str(vals[0]) if vals else False
    if op == "IN":
        return sv in [str(x) for x in vals]
    if op == "CONTAINS":
        return isinstance(v, str) and str(vals[0]) in v or isinstance(v, list) and vals[0] in v
    if op == "STARTSWITH":
        return sv.startswith(str(vals[0]))
    if op == "ENDSWITH":
        return sv.endswith(str(vals[0]))
    if op in ("GREATER_THAN", "LESS_THAN"):
        a = sv
        b = str(vals[0])
        return a > b if op == "GREATER_THAN" else a < b
    if op == "BETWEEN":
        return str(vals[0]) <= sv <= str(vals[1])
    if op == "CONTAINS_ANY":
        return isinstance(v, list) and any(x in v for x in vals)
    raise apple_error(400, "INVALID_INPUT", "Invalid operator %s" % op, field="selector.conditions.operator")


# ---------------------------------------------------------------- Apple Ads Platform API v1
APPLE_V1_INVALID = "The request could not be processed because of missing or invalid fields."
V1_DECIMAL = re.compile(r"(0|[1-9]\d*)(\.\d{1,2})?")


def v1_invalid(detail_code, message, field):
    return apple_v1_error(400, "INVALID_ARGUMENT", APPLE_V1_INVALID, detail_code, message, field)


def apple_v1_account(req):
    ctx = req["headers"].get("x-ap-context", "")
    m = re.fullmatch(r"\s*adAccountId=(\d+)\s*", ctx)
    if not m:
        if "orgId=" in ctx:
            raise apple_v1_error(400, "INVALID_ARGUMENT", "X-AP-Context must name adAccountId, not orgId "
                                 "(the Apple Ads Platform API scopes calls to an ad account)")
        raise apple_v1_error(400, "INVALID_ARGUMENT", "The X-AP-Context header with adAccountId is required.")
    return int(m.group(1))


def v1_money(v, field, viol):
    """Money {amount: decimal string, currency}, in the ad account's currency."""
    if not isinstance(v, dict) or "amount" not in v or "currency" not in v:
        raise v1_invalid("MISSING_REQUIRED_FIELD", "%s must be Money {amount, currency}" % field, field)
    amt = v["amount"]
    if not isinstance(amt, str):
        viol.append("Apple v1 %s.amount sent as %s; Money.amount is a decimal string" % (field, type(amt).__name__))
        amt = str(amt)
    if not V1_DECIMAL.fullmatch(amt):
        raise v1_invalid("INVALID_VALUE", "%s.amount %r is not a decimal string without leading zeros" % (field, amt),
                         field + ".amount")
    if v["currency"] != CURRENCY["apple"]:
        raise v1_invalid("CURRENCY_MISMATCH", "%s.currency %s is not the ad account's currency %s"
                         % (field, v["currency"], CURRENCY["apple"]), field + ".currency")
    if float(amt) <= 0:
        raise v1_invalid("INVALID_VALUE", "%s.amount must be positive" % field, field + ".amount")
    return {"amount": amt, "currency": v["currency"]}


def v1_daily_budget(v, viol):
    if not isinstance(v, dict) or "value" not in v:
        raise v1_invalid("MISSING_REQUIRED_FIELD", "dailyBudget must be {value: Money}", "dailyBudget")
    if set(v) - {"value"}:
        viol.append("Apple v1 dailyBudget carries %s besides value" % sorted(set(v) - {"value"}))
    return {"value": v1_money(v["value"], "dailyBudget.value", viol)}


def v1_targeting(t, viol, creating):
    if not isinstance(t, dict):
        raise v1_invalid("INVALID_VALUE", "targeting must be an object", "targeting")
    out = {}
    for k, v in t.items():
        if k in ("countryOrRegion", "supplyPlacement", "supplySource"):
            if not isinstance(v, dict) or not isinstance(v.get("include", []), list):
                raise v1_invalid("INVALID_VALUE", "targeting.%s must be {include: [...]}" % k, "targeting." + k)
            out[k] = {"include": list(v.get("include") or [])}
            if k == "countryOrRegion":
                for cc in out[k]["include"]:
                    if not (isinstance(cc, str) and re.fullmatch(r"[A-Z]{2}", cc)):
                        raise v1_invalid("INVALID_VALUE", "%r is not an ISO alpha-2 code" % (cc,),
                                         "targeting.countryOrRegion.include")
        else:
            viol.append("Apple v1 targeting: unknown key %r" % k)
    if creating and not (out.get("countryOrRegion") or {}).get("include"):
        raise v1_invalid("MISSING_REQUIRED_FIELD", "targeting.countryOrRegion.include is required for an "
                         "APPSTORE_APP campaign", "targeting.countryOrRegion")
    return out


def v1_bid_strategy(v, field, viol):
    if not isinstance(v, dict):
        raise v1_invalid("INVALID_VALUE", "%s must be an object" % field, field)
    if v.get("bidStrategyType") not in ("MANUAL_CPT", "MAX_CONVERSIONS", "TARGET_CPA"):
        raise v1_invalid("INVALID_VALUE", "%s.bidStrategyType %r" % (field, v.get("bidStrategyType")),
                         field + ".bidStrategyType")
    if v.get("bidStrategyType") == "MANUAL_CPT" and v.get("bidStrategyGoal", "TAP") != "TAP":
        raise v1_invalid("INVALID_VALUE", "MANUAL_CPT bids for taps", field + ".bidStrategyGoal")
    out = dict(v)
    if "bid" in v:
        out["bid"] = v1_money(v["bid"], field + ".bid", viol)
    return out


def v1_time(v, field):
    if v is None:
        return None
    if not (isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?", v)):
        raise v1_invalid("INVALID_VALUE", "%s %r is not yyyy-MM-ddTHH:mm:ss.SSS" % (field, v), field)
    return v


def v1_status(v, field):
    if v not in ("ENABLED", "PAUSED"):
        raise v1_invalid("INVALID_VALUE", "%s must be ENABLED or PAUSED" % field, field)
    return v


def v1_view(c):
    out = {k: v for k, v in c.items() if not k.startswith("_")}
    return out


def v1_touch(c):
    c["modificationTime"] = apple_time(now_utc())
    if "status" in c:
        c["systemStatus"] = "RUNNING" if c["status"] == "ENABLED" else "PAUSED"


def v1_lookup(coll, oid, acct):
    store = STATE["apple"] if coll == "campaigns" else APPLE_CHILDREN[coll]
    c = store.get(oid)
    if not c or c.get("_api") != "v1" or c["adAccountId"] != acct or c["deleted"]:
        raise apple_v1_error(404, "NOT_FOUND", "The %s %s was not found." % (coll[:-1], oid))
    return c


V1_FILTERABLE = {"campaigns": {"id", "name", "status", "systemStatus", "promotedObjectId", "promotedObjectType",
                               "deleted", "creationTime", "modificationTime"},
                 "adgroups": {"id", "name", "campaignId", "status", "systemStatus", "deleted", "creationTime"},
                 "ads": {"id", "name", "campaignId", "adGroupId", "creativeId", "status", "deleted", "creationTime"}}


def v1_check_filter(f, coll, viol):
    """A QueryFilter {field, operator, value, ignoreCase}; the undocumented 'values' is read as 'value'
    (remarked), or refused with --strict-apple."""
    if not isinstance(f, dict):
        raise v1_invalid("INVALID_VALUE", "a filter must be an object", "filters")
    fld, op = f.get("field"), f.get("operator")
    if fld not in V1_FILTERABLE[coll]:
        raise v1_invalid("INVALID_FILTER", "%s is not filterable" % fld, "filters.field")
    for k in f:
        if k not in ("field", "operator", "value", "ignoreCase"):
            if STRICT["apple"]:
                raise v1_invalid("UNKNOWN_FIELD", "QueryFilter has no field %r" % k, "filters." + k)
            viol.append("Apple v1 QueryFilter carries %r; QueryFilter documents field, operator, value "
                        "(a scalar for EQUALS, an array for IN/CONTAINS_ANY/...), ignoreCase" % k)
    if "value" not in f and op not in ("IS_NULL", "IS_NOT_NULL"):
        if "values" in f and not STRICT["apple"]:
            return dict(f, value=f["values"])
        raise v1_invalid("MISSING_REQUIRED_FIELD", "QueryFilter.value is required for %s" % op, "filters.value")
    return f


def v1_filter_match(c, f, coll, viol):
    fld, op = f.get("field"), f.get("operator")
    val = f.get("value")
    vals = val if isinstance(val, list) else [val]
    have = c.get(fld)
    sv = str(have).lower() if isinstance(have, bool) else str(have)
    norm = [str(x).lower() if isinstance(x, bool) else str(x) for x in vals]
    if f.get("ignoreCase"):
        sv, norm = sv.lower(), [x.lower() for x in norm]
    if op == "EQUALS":
        if len(vals) != 1:
            raise v1_invalid("INVALID_VALUE", "EQUALS takes one value", "filters.value")
        return sv == norm[0]
    if op == "NOT_EQUALS":
        return sv != norm[0]
    if op == "IN":
        return sv in norm
    if op == "NOT_IN":
        return sv not in norm
    if op == "STARTS_WITH":
        return sv.startswith(norm[0])
    if op == "CONTAINS_ANY":
        return any(x in sv for x in norm)
    if op == "IS_NULL":
        return have is None
    if op == "IS_NOT_NULL":
        return have is not None
    if op in ("GREATER_THAN", "LESS_THAN"):
        return sv > norm[0] if op == "GREATER_THAN" else sv < norm[0]
    if op == "BETWEEN":
        return norm[0] <= sv <= norm[1]
    raise v1_invalid("INVALID_OPERATOR", "operator %r is not supported" % op, "filters.operator")


def v1_query(coll, b, acct, viol):
    if b is None:
        b = {}
    if not isinstance(b, dict):
        raise v1_invalid("INVALID_VALUE", "the body must be a QueryRequest", "body")
    for k in b:
        if k not in ("filters", "sorting", "pagination", "fields"):
            viol.append("Apple v1 QueryRequest: unknown key %r" % k)
    store = STATE["apple"] if coll == "campaigns" else APPLE_CHILDREN[coll]
    items = [c for c in store.values() if c.get("_api") == "v1" and c["adAccountId"] == acct]
    filters = [v1_check_filter(f, coll, viol) for f in (b.get("filters") or [])]
    if not any(f.get("field") == "deleted" for f in filters):
        items = [c for c in items if not c["deleted"]]  # deleted objects only when asked for
    for f in filters:
        items = [c for c in items if v1_filter_match(c, f, coll, viol)]
    items.sort(key=lambda c: c["id"])
    for srt in (b.get("sorting") or [])[:1]:
        items.sort(key=lambda c: (str(c.get(srt.get("field"))) if srt.get("field") != "id" else c["id"]),
                   reverse=srt.get("order") == "DESC")
    pg = b.get("pagination") or {}
    for k in pg:
        if k not in ("offset", "pageSize", "fetchTotalCount"):
            if STRICT["apple"]:
                raise v1_invalid("UNKNOWN_FIELD", "QueryRequest.pagination has no field %r" % k, "pagination." + k)
            viol.append("Apple v1 QueryRequest.pagination: unknown key %r (documented: offset, pageSize, "
                        "fetchTotalCount)" % k)
    off = int(pg.get("offset", 0))
    size = int(pg.get("pageSize", pg.get("limit", 20)))
    if size > 1000:
        raise v1_invalid("INVALID_VALUE", "pageSize must be at most 1000", "pagination.pageSize")
    sl = items[off:off + size]
    return 200, {"result": [v1_view(c) for c in sl],
                 "pagination": {"offset": off, "pageSize": size, "totalCount": len(items)}}


def v1_campaign_create(b, acct, viol):
    if not isinstance(b, dict):
        raise v1_invalid("INVALID_VALUE", "the body must be a CampaignCreate", "body")
    if "campaign" in b:
        raise v1_invalid("UNKNOWN_FIELD", "CampaignCreate is not wrapped", "campaign")
    for f in ("name", "promotedObjectType", "promotedObjectId", "dailyBudget", "targeting", "bidStrategy"):
        if f not in b:
            raise v1_invalid("MISSING_REQUIRED_FIELD", "The field '%s' is required." % f, f)
    for f in ("adamId", "countriesOrRegions", "dailyBudgetAmount", "orgId", "supplySources", "adChannelType"):
        if f in b:
            raise v1_invalid("UNKNOWN_FIELD", "%s is a Campaign Management API v5 field" % f, f)
    if not isinstance(b["name"], str) or not b["name"].strip() or len(b["name"]) > 200:
        raise v1_invalid("INVALID_VALUE", "name must be 1-200 characters", "name")
    if b["promotedObjectType"] not in ("APPSTORE_APP", "BUSINESS_BRAND"):
        raise v1_invalid("INVALID_VALUE", "promotedObjectType must be APPSTORE_APP or BUSINESS_BRAND",
                         "promotedObjectType")
    poid = b["promotedObjectId"]
    if not isinstance(poid, str):
        viol.append("Apple v1 promotedObjectId sent as %s; the API documents a string" % type(poid).__name__)
    if not re.fullmatch(r"\d+", str(poid)):
        raise v1_invalid("INVALID_VALUE", "promotedObjectId must be the app's adamId", "promotedObjectId")
    billing = b.get("billingEvent")
    if billing is None:
        viol.append("Apple v1 campaign create without billingEvent")
        billing = "TAPS"
    if b["promotedObjectType"] == "APPSTORE_APP" and billing != "TAPS":
        raise v1_invalid("INVALID_VALUE", "App Store campaigns bill on TAPS", "billingEvent")
    daily = v1_daily_budget(b["dailyBudget"], viol)
    targeting = v1_targeting(b["targeting"], viol, creating=True)
    bid = v1_bid_strategy(b["bidStrategy"], "bidStrategy", viol)
    st = v1_status(b.get("status", "ENABLED"), "status")
    start, end = v1_time(b.get("startTime"), "startTime"), v1_time(b.get("endTime"), "endTime")
    known = {"name", "promotedObjectType", "promotedObjectId", "billingEvent", "dailyBudget", "targeting",
             "bidStrategy", "status", "startTime", "endTime", "sharedBudgets", "invoiceDetail"}
    for k in b:
        if k not in known:
            viol.append("Apple v1 CampaignCreate: unknown field %r" % k)
    cid = next_id("apple")
    t = now_utc()
    c = {"id": cid, "adAccountId": acct, "name": b["name"], "promotedObjectType": b["promotedObjectType"],
         "promotedObjectId": str(poid), "billingEvent": billing, "status": st,
         "systemStatus": "RUNNING" if st == "ENABLED" else "PAUSED", "systemStatusReasons": [],
         "startTime": start, "endTime": end, "dailyBudget": daily, "targeting": targeting,
         "bidStrategy": bid, "deleted": False, "creationTime": apple_time(t), "modificationTime": apple_time(t),
         "_api": "v1", "_created": t.timestamp(), "_writes": 1}
    with LOCK:
        STATE["apple"][str(cid)] = c
    return 200, {"result": v1_view(c)}


def v1_campaign_update(c, b, viol):
    if not isinstance(b, dict) or not b:
        raise v1_invalid("INVALID_VALUE", "the body must be a CampaignUpdate with at least one field", "body")
    if "campaign" in b:
        raise v1_invalid("UNKNOWN_FIELD", "CampaignUpdate is flat: the v5 {campaign: {...}} wrapper is not "
                         "accepted", "campaign")
    new = {}
    for k, v in b.items():
        if k in ("promotedObjectType", "promotedObjectId", "billingEvent"):
            raise v1_invalid("IMMUTABLE_FIELD", "%s cannot be changed after the campaign is created" % k, k)
        if k == "dailyBudget":
            new[k] = v1_daily_budget(v, viol)
        elif k == "status":
            new[k] = v1_status(v, "status")
        elif k == "name":
            if not isinstance(v, str) or not v.strip():
                raise v1_invalid("INVALID_VALUE", "name must not be empty", "name")
            new[k] = v
        elif k in ("startTime", "endTime"):
            new[k] = v1_time(v, k)
        elif k == "targeting":
            t = v1_targeting(v, viol, creating=False)
            merged = dict(c["targeting"])
            merged.update(t)
            new[k] = merged
        elif k == "bidStrategy":
            new[k] = v1_bid_strategy(v, "bidStrategy", viol)
        elif k in ("sharedBudgets", "invoiceDetail"):
            new[k] = v
        else:
            raise v1_invalid("UNKNOWN_FIELD", "%s is not a CampaignUpdate field" % k, k)
    with LOCK:
        c.update(new)
        v1_touch(c)
        c["_writes"] += 1
    return 200, {"result": v1_view(c)}


def v1_child_create(coll, b, acct, viol):
    if not isinstance(b, dict):
        raise v1_invalid("INVALID_VALUE", "the body must be an object", "body")
    parent_field = "campaignId" if coll == "adgroups" else "adGroupId"
    for f in ("name", parent_field):
        if f not in b:
            raise v1_invalid("MISSING_REQUIRED_FIELD", "The field '%s' is required." % f, f)
    if coll == "adgroups":
        v1_lookup("campaigns", str(b["campaignId"]), acct)
        if b.get("pricingModel", "CPT") != "CPT":
            raise v1_invalid("INVALID_VALUE", "pricingModel must be CPT", "pricingModel")
        if "bidStrategy" in b:
            v1_bid_strategy(b["bidStrategy"], "bidStrategy", viol)
        campaign_id = int(b["campaignId"])
    else:
        g = v1_lookup("adgroups", str(b["adGroupId"]), acct)
        campaign_id = g["campaignId"]
    st = v1_status(b.get("status", "ENABLED"), "status")
    oid = next_id("apple")
    t = now_utc()
    c = dict(b)
    c.update({"id": oid, "adAccountId": acct, "campaignId": campaign_id, "status": st,
              "systemStatus": "RUNNING" if st == "ENABLED" else "PAUSED", "deleted": False,
              "creationTime": apple_time(t), "modificationTime": apple_time(t),
              "_api": "v1", "_created": t.timestamp(), "_writes": 1})
    if coll == "ads":
        c["adGroupId"] = int(b["adGroupId"])
    with LOCK:
        APPLE_CHILDREN[coll][str(oid)] = c
    return 200, {"result": v1_view(c)}


def apple_v1_handle(req, viol):
    path, method = req["path"], req["method"]
    auth = req["headers"].get("authorization", "")
    if not auth.startswith("Bearer ") or (TOKENS.get("apple") and auth[7:] != TOKENS["apple"]):
        raise apple_v1_error(401, "UNAUTHENTICATED", "The access token is missing, invalid or expired.")
    acct = apple_v1_account(req)
    b = req["json"]
    if method in ("POST", "PUT") and not req["headers"].get("content-type", "").startswith("application/json"):
        viol.append("Apple v1 %s without Content-Type: application/json" % method)
    m = re.fullmatch(r"/v1/(campaigns|adgroups|ads)(/query|/(\d+))?", path)
    if not m:
        raise apple_v1_error(404, "NOT_FOUND", "No such endpoint %s %s" % (method, path))
    coll, rest, oid = m.group(1), m.group(2), m.group(3)
    if rest == "/query":
        if method != "POST":
            raise apple_v1_error(405, "METHOD_NOT_ALLOWED", "query is POST")
        return v1_query(coll, b, acct, viol)
    if rest is None:
        if method != "POST":
            raise apple_v1_error(405, "METHOD_NOT_ALLOWED", "%s %s is not supported" % (method, path))
        if coll == "campaigns":
            return v1_campaign_create(b, acct, viol)
        return v1_child_create(coll, b, acct, viol)
    c = v1_lookup(coll, oid, acct)
    if method == "GET":
        return 200, {"result": v1_view(c)}
    if method == "PUT":
        if coll == "campaigns":
            return v1_campaign_update(c, b, viol)
        if not isinstance(b, dict):
            raise v1_invalid("INVALID_VALUE", "the body must be an object", "body")
        new = {}
        for k, v in b.items():
            if k == "status":
                new[k] = v1_status(v, "status")
            elif k in ("name", "bidStrategy", "startTime", "endTime", "targeting"):
                new[k] = v
            else:
                raise v1_invalid("UNKNOWN_FIELD", "%s cannot be updated" % k, k)
        with LOCK:
            c.update(new)
            v1_touch(c)
            c["_writes"] += 1
        return 200, {"result": v1_view(c)}
    if method == "DELETE":
        with LOCK:
            c["deleted"] = True
            c["modificationTime"] = apple_time(now_utc())
            c["_writes"] += 1
        return 200, {"result": v1_view(c)}
    raise apple_v1_error(405, "METHOD_NOT_ALLOWED", "%s %s is not supported" % (method, path))


# ---------------------------------------------------------------- Apple dispatch
def apple_handle(req, viol):
    if req["path"].startswith("/v1/"):
        return apple_v1_handle(req, viol)
    return apple_v5_handle(req, viol)


def apple_v5_handle(req, viol):
    path, method = req["path"], req["method"]
    auth = req["headers"].get("authorization", "")
    if not auth.startswith("Bearer "):
        raise Reply(401, {"data": None, "pagination": None, "error": {"errors": [
            {"messageCode": "UNAUTHORIZED", "message": "Invalid token"}]}})
    if TOKENS.get("apple") and auth[7:] != TOKENS["apple"]:
        raise Reply(401, {"data": None, "pagination": None, "error": {"errors": [
            {"messageCode": "UNAUTHORIZED", "message": "Invalid token"}]}})
    org = apple_org(req)
    b = req["json"]
    if path == "/api/v5/campaigns" and method == "POST":
        if not isinstance(b, dict):
            raise apple_error(400, "INVALID_JSON_REQUEST", "Request body must be a campaign object")
        for f in ("name", "adamId", "countriesOrRegions", "dailyBudgetAmount"):
            if f not in b:
                raise apple_error(400, "INVALID_INPUT", "%s is required" % f, field="Campaign.%s" % f)
        if not isinstance(b["adamId"], int):
            viol.append("Apple adamId sent as %s; the API documents an integer (long)" % type(b["adamId"]).__name__)
            try:
                int(b["adamId"])
            except Exception:
                raise apple_error(400, "INVALID_INPUT", "adamId is invalid", field="Campaign.adamId")
        if not isinstance(b["countriesOrRegions"], list) or not b["countriesOrRegions"]:
            raise apple_error(400, "INVALID_INPUT", "countriesOrRegions is required", field="Campaign.countriesOrRegions")
        for f in ("supplySources", "adChannelType", "billingEvent"):
            if f not in b:
                viol.append("Apple campaign create without %s (documented as required in v5)" % f)
        if "budgetAmount" in b:
            viol.append("Apple budgetAmount (lifetime) is no longer supported since v5")
        if "orgId" in b and int(b["orgId"]) != org:
            raise apple_error(400, "INVALID_INPUT", "orgId does not match X-AP-Context", field="Campaign.orgId")
        daily = apple_money(b["dailyBudgetAmount"], "dailyBudgetAmount", viol)
        st = b.get("status", "ENABLED")
        if st not in ("ENABLED", "PAUSED"):
            raise apple_error(400, "INVALID_INPUT", "status must be ENABLED or PAUSED", field="Campaign.status")
        known = {"orgId", "name", "adamId", "countriesOrRegions", "dailyBudgetAmount", "budgetAmount", "status",
                 "supplySources", "adChannelType", "billingEvent", "startTime", "endTime", "budgetOrders",
                 "countryOrRegionServingStateReasons", "locInvoiceDetails", "paymentModel"}
        for k in b:
            if k not in known:
                viol.append("Apple campaign create: unknown field %r" % k)
        cid = next_id("apple")
        t = now_utc()
        c = {"id": cid, "orgId": org, "name": b["name"], "adamId": int(b["adamId"]),
             "countriesOrRegions": b["countriesOrRegions"], "dailyBudgetAmount": daily,
             "budgetAmount": None, "status": st, "servingStatus": "RUNNING" if st == "ENABLED" else "NOT_RUNNING",
             "displayStatus": "RUNNING" if st == "ENABLED" else "PAUSED", "deleted": False,
             "supplySources": b.get("supplySources", ["APPSTORE_SEARCH_RESULTS"]),
             "adChannelType": b.get("adChannelType", "SEARCH"), "billingEvent": b.get("billingEvent", "TAPS"),
             "paymentModel": "PAYG", "startTime": b.get("startTime"), "endTime": b.get("endTime"),
             "creationTime": apple_time(t), "modificationTime": apple_time(t),
             "_created": t.timestamp(), "_writes": 1}
        with LOCK:
            STATE["apple"][str(cid)] = c
        return 200, {"data": apple_view(c), "pagination": None, "error": None}
    if path == "/api/v5/campaigns" and method == "GET":
        q = req["params"]
        items = [c for c in STATE["apple"].values() if c.get("orgId") == org]
        items.sort(key=lambda c: c["id"])
        off, lim = int(q.get("offset") or 0), int(q.get("limit") or 20)
        if lim > 1000:
            raise apple_error(400, "INVALID_INPUT", "limit must be at most 1000", field="limit")
        sl = items[off:off + lim]
        return 200, {"data": [apple_view(c) for c in sl], "pagination": {
            "totalResults": len(items), "startIndex": off, "itemsPerPage": len(sl)}, "error": None}
    if path == "/api/v5/campaigns/find" and method == "POST":
        if not isinstance(b, dict):
            raise apple_error(400, "INVALID_JSON_REQUEST", "selector required")
        sel = b.get("selector", b)  # the documented body is the Selector itself
        items = [c for c in STATE["apple"].values() if c.get("orgId") == org]
        for cond in sel.get("conditions") or []:
            items = [c for c in items if apple_cond(c, cond)]
        for ob in (sel.get("orderBy") or [])[:1]:
            items.sort(key=lambda c: str(c.get(ob.get("field"))) if ob.get("field") != "id" else c["id"],
                       reverse=ob.get("sortOrder") == "DESCENDING")
        pg = sel.get("pagination") or {}
        off, lim = int(pg.get("offset", 0)), int(pg.get("limit", 20))
        sl = items[off:off + lim]
        return 200, {"data": [apple_view(c) for c in sl], "pagination": {
            "totalResults": len(items), "startIndex": off, "itemsPerPage": len(sl)}, "error": None}
    m = re.fullmatch(r"/api/v5/campaigns/(\d+)", path)
    if m:
        c = STATE["apple"].get(m.group(1))
        if not c or c.get("orgId") != org or c["deleted"]:
            raise apple_error(404, "RESOURCE_NOT_FOUND", "Resource not found", field="campaignId")
        if method == "GET":
            return 200, {"data": apple_view(c), "pagination": None, "error": None}
        if method == "PUT":
            if not isinstance(b, dict):
                raise apple_error(400, "INVALID_JSON_REQUEST", "body required")
            if "campaign" in b:
                upd = b["campaign"]
            else:
                viol.append("Apple PUT /campaigns/{id} body is not wrapped in {\"campaign\": {...}} "
                            "(v5 UpdateCampaignRequest)")
                upd = b
            if not isinstance(upd, dict):
                raise apple_error(400, "INVALID_JSON_REQUEST", "campaign must be an object")
            new = {}
            for k, v in upd.items():
                if k == "dailyBudgetAmount":
                    new[k] = apple_money(v, "dailyBudgetAmount", viol)
                elif k == "budgetAmount":
                    raise apple_error(400, "INVALID_INPUT", "budgetAmount is no longer supported", field="budgetAmount")
                elif k == "status":
                    if v not in ("ENABLED", "PAUSED"):
                        raise apple_error(400, "INVALID_INPUT", "status must be ENABLED or PAUSED", field="status")
                    new[k] = v
                elif k in ("name", "countriesOrRegions", "endTime", "startTime", "budgetOrders",
                           "locInvoiceDetails"):
                    new[k] = v
                else:
                    raise apple_error(400, "INVALID_INPUT", "Field %s cannot be updated" % k, field=k)
            with LOCK:
                c.update(new)
                if "status" in new:
                    c["displayStatus"] = "RUNNING" if new["status"] == "ENABLED" else "PAUSED"
                    c["servingStatus"] = "RUNNING" if new["status"] == "ENABLED" else "NOT_RUNNING"
                c["modificationTime"] = apple_time(now_utc())
                c["_writes"] += 1
            return 200, {"data": apple_view(c), "pagination": None, "error": None}
        if method == "DELETE":
            with LOCK:
                c["deleted"] = True
                c["status"] = "DELETED"
            return 200, {"data": None, "pagination": None, "error": None}
    raise apple_error(404, "RESOURCE_NOT_FOUND", "No such path %s" % path)


HANDLERS = {"meta": meta_handle, "tiktok": tt_handle, "apple": apple_handle}


# ---------------------------------------------------------------- HTTP plumbing
def take_fault(platform, path, method):
    with LOCK:
        for f in FAULTS:
            if f["times"] <= 0:
                continue
            if f.get("platform") and f["platform"] != platform:
                continue
            if f.get("match") and f["match"] not in path:
                continue
            if f.get("exact") and f["match"] != path:
                continue
            if f.get("method") and f["method"].upper() != method:
                continue
            f["times"] -= 1
            f["fired"] = f.get("fired", 0) + 1
            return dict(f)
    return None


def arrive(rec):
    with LOCK:
        REQUESTS.append(rec)


def log_request(rec):
    rec["done"] = time.time()
    with LOCK:
        if LOGFILE:
            with open(LOGFILE, "a") as fh:
                fh.write(json.dumps(rec, default=str) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeAdPlatforms/1.0"

    def log_message(self, *a):
        pass

    def _send(self, status, body, headers=None):
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except (BrokenPipeError, ConnectionResetError, OSError):
            return False

    def _read(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        u = urlsplit(self.path)
        path = u.path
        raw = self._read()
        if path.startswith("/_control/"):
            return self.control(path, raw)
        platform = platform_of(path)
        params = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        ctype = self.headers.get("Content-Type", "")
        body_json = None
        if raw:
            if "json" in ctype:
                try:
                    body_json = json.loads(raw)
                except Exception:
                    body_json = None
            elif "x-www-form-urlencoded" in ctype:
                body_json = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
            else:
                try:
                    body_json = json.loads(raw)
                except Exception:
                    body_json = None
        if platform == "meta" and isinstance(body_json, dict):
            merged = dict(params)
            merged.update({k: (v if not isinstance(v, (list, dict)) else v) for k, v in body_json.items()})
            params = merged
        rid = uuid.uuid4().hex[:12]
        rec = {"rid": rid, "t": time.time(), "ts": now_utc().isoformat(), "platform": platform,
               "method": self.command, "path": path, "query": u.query, "params_q": {k: v for k, v in parse_qs(u.query).items()},
               "headers": {k.lower(): v for k, v in self.headers.items()}, "body_raw": raw.decode("utf-8", "replace"),
               "json": body_json, "violations": [], "fault": None, "status": "pending"}
        arrive(rec)
        req = {"path": path, "method": self.command, "params": params, "headers": rec["headers"], "json": body_json}
        if platform is None:
            rec.update(status=404, response={"error": "unknown path"})
            log_request(rec)
            return self._send(404, {"error": "unknown path"})
        f = take_fault(platform, path, self.command)
        rec["fault"] = f

        def run_handler():
            try:
                st, body = HANDLERS[platform](req, rec["violations"])
                return st, body, {}
            except Reply as r:
                return r.status, r.body, r.headers

        if f and f["kind"] == "delay":
            secs = float(f.get("seconds", 5))
            apply = f.get("apply", True)
            at = f.get("apply_at", "start")
            result = None
            with LOCK:
                INFLIGHT[rid] = {"rid": rid, "path": path, "method": self.command, "since": time.time(),
                                 "seconds": secs, "apply": apply, "apply_at": at}
            if apply and at == "start":
                result = run_handler()
            time.sleep(secs)
            if apply and at == "end":
                result = run_handler()
            with LOCK:
                INFLIGHT.pop(rid, None)
            if not apply:
                rec.update(status=None, response="<dropped: connection closed without answer>",
                           applied=False)
                log_request(rec)
                self.close_connection = True
                try:
                    self.connection.shutdown(2)
                except OSError:
                    pass
                return
            st, body, hdrs = result
            ok = self._send(st, body, hdrs)
            rec.update(status=st, response=body, applied=True, delivered=ok, response_headers=hdrs)
            log_request(rec)
            return
        if f and f["kind"] == "500" and f.get("apply"):
            st, body, hdrs = run_handler()  # the write commits, then the gateway answers 500
            r = fault_reply(platform, "500", f, path)
            self._send(r.status, r.body, r.headers)
            rec.update(status=r.status, response=r.body, response_headers=r.headers, applied=(st == 200),
                       applied_answer=body)
            log_request(rec)
            return
        if f:
            r = fault_reply(platform, f["kind"], f, path)
            self._send(r.status, r.body, r.headers)
            rec.update(status=r.status, response=r.body, response_headers=r.headers, applied=False)
            log_request(rec)
            return
        st, body, hdrs = run_handler()
        ok = self._send(st, body, hdrs)
        rec.update(status=st, response=body, response_headers=hdrs, delivered=ok,
                   applied=(st == 200 and not (platform == "tiktok" and body.get("code"))))
        log_request(rec)

    def control(self, path, raw):
        try:
            b = json.loads(raw) if raw else {}
        except Exception:
            return self._send(400, {"error": "bad json"})
        if path == "/_control/fault" and self.command == "POST":
            f = dict(b)
            f.setdefault("times", 1)
            f["id"] = len(FAULTS) + 1
            with LOCK:
                FAULTS.append(f)
            return self._send(200, {"ok": True, "fault": f})
        if path == "/_control/clock" and self.command == "POST":
            CLOCK["skew"] = float(b.get("skew", 0))
            return self._send(200, {"ok": True, "skew": CLOCK["skew"]})
        if path == "/_control/currency" and self.command == "POST":
            if b.get("platform") not in CURRENCY or not re.fullmatch(r"[A-Z]{3}", str(b.get("currency"))):
                return self._send(400, {"error": "want {platform, currency}"})
            CURRENCY[b["platform"]] = b["currency"]
            return self._send(200, {"ok": True, "currency": dict(CURRENCY)})
        if path == "/_control/reset" and self.command == "POST":
            with LOCK:
                FAULTS.clear()
                CLOCK["skew"] = 0.0
                if b.get("objects"):
                    for k in STATE:
                        STATE[k].clear()
                    for k in APPLE_CHILDREN:
                        APPLE_CHILDREN[k].clear()
                    TT_REQUEST_IDS.clear()
                    REQUESTS.clear()
            return self._send(200, {"ok": True})
        if path == "/_control/state":
            with LOCK:
                snap = {"objects": {k: {i: {kk: vv for kk, vv in c.items()} for i, c in v.items()} for k, v in STATE.items()},
                        "apple_children": {k: dict(v) for k, v in APPLE_CHILDREN.items()},
                        "currency": dict(CURRENCY),
                        "requests": list(REQUESTS), "inflight": list(INFLIGHT.values()), "faults": list(FAULTS)}
            return self._send(200, json.loads(json.dumps(snap, default=str)))
        return self._send(404, {"error": "no such control"})

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


def main():
    global LOGFILE
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=19000)
    ap.add_argument("--log", default="fake_requests.jsonl")
    ap.add_argument("--meta-token")
    ap.add_argument("--tiktok-token")
    ap.add_argument("--apple-token")
    ap.add_argument("--strict-apple", action="store_true",
                    help="refuse (400 INVALID_ARGUMENT) undocumented Apple v1 query fields instead of remarking them")
    a = ap.parse_args()
    STRICT["apple"] = a.strict_apple
    LOGFILE = a.log
    open(LOGFILE, "w").close()
    for k in ("meta", "tiktok", "apple"):
        v = getattr(a, k + "_token")
        if v:
            TOKENS[k] = v
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    print("fake platform on 127.0.0.1:%d" % a.port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
