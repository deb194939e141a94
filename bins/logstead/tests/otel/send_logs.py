"""Sends a few log records to Logstead with the stock OpenTelemetry Python SDK.

Usage: send_logs.py BASE_URL PROJECT_TOKEN RUN_ID

Uses LoggerProvider + BatchLogRecordProcessor + OTLPLogExporter (protobuf over HTTP), once
through the stdlib `logging` bridge (LoggingHandler) and once through the logs API, inside an
active span. Prints one JSON line with the trace and span ids used. Exits non-zero if any
export failed or nothing was exported. tests/otel_python.rs checks what arrived.
"""

import json
import logging
import sys
import warnings

from opentelemetry import trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider


class RecordingExporter(LogRecordExporter):
    """Delegates to the real exporter and remembers each result: BatchLogRecordProcessor
    only logs export failures, and the test must not pass on a silent one."""

    def __init__(self, inner):
        self.inner = inner
        self.results = []

    def export(self, batch):
        result = self.inner.export(batch)
        self.results.append((result, len(batch)))
        return result

    def force_flush(self, timeout_millis=30_000):
        return self.inner.force_flush(timeout_millis)

    def shutdown(self):
        self.inner.shutdown()


def main():
    base, token, run_id = sys.argv[1:4]
    resource = Resource.create(
        {"service.name": "checkout-py", "deployment.environment": "test", "test.run": run_id}
    )
    exporter = RecordingExporter(
        OTLPLogExporter(endpoint=f"{base}/i/v1/logs", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    )
    provider = LoggerProvider(resource=resource)
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))

    # The SDK's own handler is deprecated in favour of a contrib package, but still the stock path.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(level=logging.DEBUG, logger_provider=provider)
    log = logging.getLogger("shop.checkout")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.addHandler(handler)
    api_logger = provider.get_logger("shop.inventory", "1.2.3")

    # Outside any span: no trace context.
    log.info("worker started", extra={"test.run": run_id})

    tracer = TracerProvider(resource=resource).get_tracer("send_logs")
    with tracer.start_as_current_span("checkout") as span:
        ctx = span.get_span_context()
        log.debug("cart loaded in %d ms", 12, extra={"test.run": run_id, "cart.items": 3})
        log.info("order %s placed", "A-17", extra={"test.run": run_id, "order.id": "A-17", "vip": True})
        log.warning("payment retry %d", 2, extra={"test.run": run_id, "amount": 12.5})
        log.error("payment declined", extra={"test.run": run_id, "http.status_code": 402})
        api_logger.emit(
            severity_number=SeverityNumber.FATAL,
            severity_text="FATAL",
            body="inventory service unreachable",
            attributes={"test.run": run_id, "attempts": 5, "regions": ["eu", "us"]},
            event_name="inventory.unreachable",
        )

    flushed = provider.force_flush(30_000)
    provider.shutdown()
    failed = [r for r in exporter.results if r[0] != LogRecordExportResult.SUCCESS]
    exported = sum(n for r, n in exporter.results if r == LogRecordExportResult.SUCCESS)
    print(
        json.dumps(
            {
                "trace_id": format(ctx.trace_id, "032x"),
                "span_id": format(ctx.span_id, "016x"),
                "exported": exported,
                "flushed": flushed,
            }
        ),
        flush=True,
    )
    if not flushed or failed or exported == 0:
        print(f"export failed: flushed={flushed} results={exporter.results}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
