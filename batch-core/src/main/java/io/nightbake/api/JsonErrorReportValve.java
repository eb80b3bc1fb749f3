package io.nightbake.api;

import java.io.IOException;
import java.io.Writer;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Errors that Tomcat answers itself, before any servlet or filter runs (a path with an encoded '/', a NUL byte or
 * bytes that are not UTF-8, such as {@code %2F}, {@code %00}, {@code %ff%fe}), get the API's JSON error body under
 * {@code /api} instead of Tomcat's HTML page. Installed as the host's error report valve.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    /** The message of a 400 that Tomcat answers itself (the lean listener answers the same, see serving/lean). */
    public static final String REFUSED_REQUEST = "the request could not be read: its path or query has an encoded '/', a "
            + "NUL byte or bytes that are not UTF-8";

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        String uri = request.getRequestURI();
        if (status < 400 || response.isCommitted() || uri == null || !(uri.startsWith("/api/") || uri.equals("/api"))) {
            super.report(request, response, throwable);
            return;
        }
        if (response.getContentWritten() > 0 || !response.setErrorReported()) {
            return; // the application wrote its own (JSON) answer, or someone reports this error already
        }
        String error = status == 404 ? "not_found" : status < 500 ? "invalid_request" : "server_error";
        String message = status == 400 ? REFUSED_REQUEST : status == 404 ? "no such endpoint"
                : status < 500 ? "the request was refused (HTTP " + status + ")" : "unexpected error";
        try {
            response.resetBuffer();
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                // constant texts without quotes or backslashes: no JSON escaping needed
                writer.write("{\"error\":\"" + error + "\",\"message\":\"" + message + "\"}");
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client went away: nothing more to say
        }
    }

    /** Makes Spring Boot's embedded Tomcat use this valve. */
    @Component
    static class Installer implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
        @Override
        public void customize(TomcatServletWebServerFactory factory) {
            factory.addContextCustomizers(context -> {
                if (context.getParent() instanceof StandardHost host) {
                    host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
                }
            });
        }
    }
}
