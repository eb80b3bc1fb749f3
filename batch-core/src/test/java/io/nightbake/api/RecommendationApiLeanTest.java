package io.nightbake.api;

import io.nightbake.serving.lean.LeanTestServer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.TestPropertySource;

/**
 * The lookup API's tests, unchanged, against the lean lookup listener in front of Spring's Tomcat, as `serve` runs them: lookups are
 * answered by the listener, everything else is forwarded.
 * Its own application context (the marker property), so that the state the base class expects is fresh.
 */
@TestPropertySource(properties = "nightbake.test.lean-listener=true")
class RecommendationApiLeanTest extends RecommendationApiTest {

    @Autowired
    ApplicationContext context;

    @Override
    protected int port() {
        return LeanTestServer.inFront(context).port();
    }
}
