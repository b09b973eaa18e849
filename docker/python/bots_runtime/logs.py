"""Console logs an operator can ship: one line per expected client error, JSON as an option.

LOG_FORMAT=json (default text) makes Django's and Bots' console lines JSON objects, one per line:
time (UTC, ISO 8601), level, logger, message, and in an engine run its run_id (the report id Bots'
web UI shows for the run) and the route being run. A traceback goes into the line's "exception"
field instead of onto lines of its own. Bots' log files on the data volume keep Bots' format
(the web UI shows them).

OneLine drops the traceback of requests Django refuses as suspicious (a foreign Host header:
DisallowedHost): they are the client's error, and a scanner would otherwise fill the log with
tracebacks.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import sys

LOG_FORMATS = ("text", "json")


def log_format() -> str:
    """LOG_FORMAT as the settings module reads it (which refuses other values)."""
    return os.environ.get("LOG_FORMAT", "text").strip().lower()


def engine_run() -> tuple[int | None, str]:
    """(report id of the engine run under way or last run in this process, route being run)."""
    botsglobal = sys.modules.get("bots.botsglobal")
    run = getattr(botsglobal, "currentrun", None)
    run_id = run.get_minta4query() if run is not None and hasattr(run, "get_minta4query") else None
    return run_id, (getattr(botsglobal, "routeid", "") or "") if botsglobal else ""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        run_id, route = engine_run()
        if run_id:
            doc["run_id"] = run_id
        if route:
            doc["route"] = route
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            doc["exception"] = record.exc_text
        return json.dumps(doc, ensure_ascii=False, default=str)


class OneLine(logging.Filter):
    """Keeps the record, without its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


def jsonify_console(logger: logging.Logger) -> logging.Logger:
    """Gives the logger's console handlers (Bots adds them itself) the JSON formatter."""
    for handler in logger.handlers:
        if type(handler) is logging.StreamHandler:
            handler.setFormatter(JsonFormatter())
    return logger


def patch_bots_logging() -> None:
    """With LOG_FORMAT=json: Bots' engine and server loggers log JSON to the console."""
    if log_format() != "json":
        return
    from bots import botsinit

    for name in ("initenginelogging", "initserverlogging"):
        original = getattr(botsinit, name, None)
        if original is not None:
            setattr(botsinit, name, lambda logname, _original=original: jsonify_console(_original(logname)))
