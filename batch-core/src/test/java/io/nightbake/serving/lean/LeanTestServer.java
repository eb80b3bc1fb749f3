package io.nightbake.serving.lean;

import io.micrometer.core.instrument.MeterRegistry;
import io.nightbake.access.ActiveApiKeys;
import io.nightbake.api.LookupTimers;
import io.nightbake.config.TemplatePipeline;
import io.nightbake.serving.ServingService;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/**
 * A lean listener in front of a test's Spring context, built from that context's own beans as {@code serve} builds it
 * before Spring: with Spring's Tomcat as its back end ({@link #inFront}), or with none ({@link #alone}), so that
 * everything it would forward answers 503 {@code starting} and a test sees which answers it gives by itself.
 */
public final class LeanTestServer {

    private static final Map<String, LeanLookupServer> SERVERS = new ConcurrentHashMap<>();

    private LeanTestServer() {
    }

    /** The listener forwarding to the context's Tomcat (one per context, closed with it). */
    public static LeanLookupServer inFront(ApplicationContext context) {
        return SERVERS.computeIfAbsent(context.getId() + "@" + System.identityHashCode(context) + "/front", key -> {
            LeanLookupServer server = create(context);
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();
            server.backend(new InetSocketAddress("127.0.0.1", port));
            return server;
        });
    }

    /** The listener without a back end (one per context, closed with it). */
    public static LeanLookupServer alone(ApplicationContext context) {
        return SERVERS.computeIfAbsent(context.getId() + "@" + System.identityHashCode(context) + "/alone", key -> create(context));
    }

    private static LeanLookupServer create(ApplicationContext context) {
        boolean security = context.getEnvironment().getProperty("nightbake.security.enabled", Boolean.class, true);
        LeanLookupServer server = LeanLookupServer.start(new LeanLookupServer.Settings("127.0.0.1", 0, 2, security,
                        context.getBean(TemplatePipeline.class).topK()), context.getBean(ServingService.class),
                context.getBean(ActiveApiKeys.class));
        server.lookupLatency(new LookupTimers(context.getBean(MeterRegistry.class))); // as LeanServe does once Spring is up
        ((ConfigurableApplicationContext) context).addApplicationListener(event -> {
            if (event instanceof ContextClosedEvent) {
                server.close();
            }
        });
        return server;
    }
}
