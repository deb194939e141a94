//! Multi-line stack-trace templates, Java style (Python tracebacks are in `tracebacks`).
//! Each is one template: a lead line (with placeholders), the exception, a fixed call path.

use super::Kind::{self, Auth, Cache, Db, Http, Job, Mail, Order, Payment, Queue, Runtime};

/// `{lead}\n{exception}\n\tat {frame}...`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JavaTrace {
    pub kind: Kind,
    pub lead: &'static str,
    pub exception: &'static str,
    pub frames: &'static [&'static str],
}

const fn j(
    kind: Kind,
    lead: &'static str,
    exception: &'static str,
    frames: &'static [&'static str],
) -> JavaTrace {
    JavaTrace { kind, lead, exception, frames }
}

const SPRING: [&str; 3] = [
    "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:883)",
    "jakarta.servlet.http.HttpServlet.service(HttpServlet.java:658)",
    "org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)",
];

pub const JAVA_TRACES: &[JavaTrace] = &[
    j(
        Http,
        "Servlet.service() for {path} threw exception",
        "java.lang.NullPointerException: Cannot invoke \"Cart.getItems()\" because \"cart\" is null",
        &[
            "com.shop.checkout.CheckoutService.totals(CheckoutService.java:212)",
            "com.shop.checkout.CheckoutController.review(CheckoutController.java:87)",
            SPRING[0],
            SPRING[1],
            SPRING[2],
        ],
    ),
    j(
        Db,
        "Failed to persist order {order}",
        "org.hibernate.exception.ConstraintViolationException: could not execute statement; constraint [orders_pkey]",
        &[
            "org.hibernate.engine.jdbc.spi.SqlExceptionHelper.convert(SqlExceptionHelper.java:109)",
            "com.shop.orders.OrderRepository.save(OrderRepository.java:54)",
            "com.shop.orders.OrderService.place(OrderService.java:131)",
            "com.shop.orders.OrderController.create(OrderController.java:66)",
        ],
    ),
    j(
        Db,
        "Could not open JDBC connection to {host}",
        "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after {ms}ms",
        &[
            "com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)",
            "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)",
            "com.shop.inventory.StockDao.reserve(StockDao.java:77)",
            "com.shop.inventory.ReservationService.reserve(ReservationService.java:42)",
        ],
    ),
    j(
        Payment,
        "Payment capture failed for {uid}",
        "com.stripe.exception.CardException: Your card was declined; code: card_declined",
        &[
            "com.stripe.net.LiveStripeResponseGetter.handleApiError(LiveStripeResponseGetter.java:218)",
            "com.shop.payments.StripeGateway.capture(StripeGateway.java:95)",
            "com.shop.payments.PaymentService.capture(PaymentService.java:148)",
            "com.shop.payments.CaptureListener.onMessage(CaptureListener.java:39)",
        ],
    ),
    j(
        Queue,
        "Error processing record from {topic}[{part}] at offset {offset}",
        "org.apache.kafka.common.errors.SerializationException: Error deserializing key/value for partition",
        &[
            "org.apache.kafka.clients.consumer.internals.Fetcher.parseRecord(Fetcher.java:1386)",
            "org.apache.kafka.clients.consumer.KafkaConsumer.poll(KafkaConsumer.java:1250)",
            "com.shop.events.EventConsumer.run(EventConsumer.java:73)",
            "java.base/java.lang.Thread.run(Thread.java:1583)",
        ],
    ),
    j(
        Http,
        "Request {req} to {host} failed",
        "java.net.SocketTimeoutException: Read timed out",
        &[
            "java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)",
            "okhttp3.internal.http1.Http1ExchangeCodec.readResponseHeaders(Http1ExchangeCodec.kt:180)",
            "com.shop.shipping.CarrierClient.quote(CarrierClient.java:61)",
            "com.shop.shipping.QuoteService.bestQuote(QuoteService.java:44)",
        ],
    ),
    j(
        Cache,
        "Cache operation failed for {key}",
        "io.lettuce.core.RedisConnectionException: Unable to connect to {host}",
        &[
            "io.lettuce.core.RedisConnectionException.create(RedisConnectionException.java:78)",
            "io.lettuce.core.RedisClient.connect(RedisClient.java:215)",
            "com.shop.session.RedisSessionStore.load(RedisSessionStore.java:58)",
        ],
    ),
    j(
        Auth,
        "Authentication failed for {user}",
        "org.springframework.security.authentication.BadCredentialsException: Bad credentials",
        &[
            "org.springframework.security.authentication.dao.DaoAuthenticationProvider.additionalAuthenticationChecks(DaoAuthenticationProvider.java:91)",
            "com.shop.auth.LoginController.login(LoginController.java:52)",
            SPRING[0],
            SPRING[1],
        ],
    ),
    j(
        Order,
        "Could not compute shipping for order {order}",
        "java.lang.IllegalStateException: no carrier available for zone {n}",
        &[
            "com.shop.shipping.RateTable.lookup(RateTable.java:119)",
            "com.shop.shipping.ShippingService.rate(ShippingService.java:83)",
            "com.shop.checkout.CheckoutService.totals(CheckoutService.java:230)",
        ],
    ),
    j(
        Job,
        "Job {job} run {id} aborted",
        "java.util.concurrent.ExecutionException: java.lang.OutOfMemoryError: Java heap space",
        &[
            "java.base/java.util.concurrent.FutureTask.report(FutureTask.java:122)",
            "java.base/java.util.concurrent.FutureTask.get(FutureTask.java:191)",
            "com.shop.jobs.InvoiceBatch.run(InvoiceBatch.java:104)",
            "com.shop.jobs.Scheduler.execute(Scheduler.java:71)",
        ],
    ),
    j(
        Mail,
        "Failed to send email {id}",
        "jakarta.mail.MessagingException: Could not connect to SMTP host: {host}",
        &[
            "org.eclipse.angus.mail.smtp.SMTPTransport.openServer(SMTPTransport.java:2258)",
            "com.shop.mail.SmtpSender.send(SmtpSender.java:47)",
            "com.shop.mail.OutboxWorker.drain(OutboxWorker.java:63)",
        ],
    ),
    j(
        Runtime,
        "Uncaught exception in thread worker-{n}",
        "java.lang.ArrayIndexOutOfBoundsException: Index {n} out of bounds for length {n}",
        &[
            "com.shop.search.Ranker.score(Ranker.java:156)",
            "com.shop.search.SearchService.query(SearchService.java:98)",
            "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)",
            "java.base/java.lang.Thread.run(Thread.java:1583)",
        ],
    ),
    j(
        Http,
        "Unhandled error serving {method} {path}",
        "com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value of type `long` from String",
        &[
            "com.fasterxml.jackson.databind.DeserializationContext.reportInputMismatch(DeserializationContext.java:1767)",
            "com.shop.catalog.ProductController.update(ProductController.java:118)",
            SPRING[0],
            SPRING[2],
        ],
    ),
    j(
        Payment,
        "Ledger write failed for {tenant}",
        "java.lang.ArithmeticException: Rounding necessary",
        &[
            "java.base/java.math.BigDecimal.commonNeedIncrement(BigDecimal.java:4628)",
            "com.shop.ledger.Money.toCents(Money.java:33)",
            "com.shop.ledger.LedgerService.post(LedgerService.java:88)",
        ],
    ),
];
