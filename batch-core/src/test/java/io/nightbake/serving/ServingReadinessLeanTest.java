package io.nightbake.serving;

import io.nightbake.serving.lean.LeanTestServer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/**
 * The readiness test, unchanged, against the lean lookup listener in front of Spring's Tomcat, as `serve` runs them: lookups are
 * answered by the listener, everything else is forwarded.
 */
class ServingReadinessLeanTest extends ServingReadinessTest {

    @Autowired
    ApplicationContext context;

    @Override
    protected int port() {
        return LeanTestServer.inFront(context).port();
    }
}
