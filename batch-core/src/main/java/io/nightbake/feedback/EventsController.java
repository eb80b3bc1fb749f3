package io.nightbake.feedback;

import io.nightbake.api.ApiException;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/tenants/{tenant}/events}: a batch of up to {@code nightbake.feedback.max-batch} feedback events,
 * as a JSON array or {@code {"events":[...]}}. Answers, once the valid events are committed:
 * 200 with the counts when every event was valid; 422 {@code invalid_events} with the same counts and the rejected
 * events (index, eventId, field, reason) when some were not (the valid ones are stored all the same); 400 for a body
 * that is not JSON or not a batch, 413 for too many events, 404 for an unknown tenant. A tenant key may post only to
 * its own tenant (the API key filter).
 */
@RestController
public class EventsController {

    private static final String EXAMPLE = "{\"events\":[{\"eventId\":\"e-1\",\"customerId\":\"c1\",\"productId\":\"p9\","
            + "\"type\":\"click\",\"time\":\"2026-10-30T14:05:00Z\",\"recommendationId\":\"nbr1....\",\"rank\":1}]}";

    // NaN and Infinity are read as numbers so that the answer can name the event and field instead of failing the batch
    private final JsonMapper mapper = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private final EventIngestService ingest;
    private final TenantRegistry tenants;
    private final FeedbackSettings settings;

    public EventsController(EventIngestService ingest, TenantRegistry tenants, FeedbackSettings settings) {
        this.ingest = ingest;
        this.tenants = tenants;
        this.settings = settings;
    }

    public record Answer(String tenant, int received, int accepted, int duplicates, int rejectedCount,
                         java.util.List<EventIngestService.Rejection> rejected, String error, String message) {
    }

    @PostMapping("/api/v1/tenants/{tenant}/events")
    public ResponseEntity<Answer> post(@PathVariable String tenant, @RequestBody(required = false) byte[] body) {
        if (!TenantId.isValid(tenant)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request",
                    "tenant id must be 1-63 characters of [a-z0-9_-], starting with a letter or digit");
        }
        TenantId id = TenantId.of(tenant);
        if (tenants.find(id).isEmpty()) {
            throw new ApiException(HttpStatus.NOT_FOUND, "unknown_tenant", "unknown tenant '" + tenant + "'");
        }
        if (body == null || body.length == 0) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "a JSON body is required, e.g. " + EXAMPLE);
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JacksonException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "the body is not valid JSON (at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + "); expected e.g. " + EXAMPLE);
        }
        JsonNode events = root != null && root.isObject() ? root.get("events") : root;
        if (root != null && root.isObject()) {
            for (String name : root.propertyNames()) {
                if (!name.equals("events")) {
                    throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "unknown field '" + name
                            + "'; the body is {\"events\":[...]} or a JSON array of events");
                }
            }
        }
        if (events == null || !events.isArray()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request",
                    "\"events\" must be a JSON array of events, e.g. " + EXAMPLE);
        }
        if (events.isEmpty()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "\"events\" is empty: send 1 to "
                    + settings.maxBatch() + " events");
        }
        if (events.size() > settings.maxBatch()) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "batch_too_large", "\"events\" holds " + events.size()
                    + " events; a batch takes at most " + settings.maxBatch() + ": split it");
        }
        EventIngestService.Result result = ingest.ingest(id, events);
        int rejected = result.rejected().size();
        if (rejected == 0) {
            return ResponseEntity.ok(new Answer(tenant, result.received(), result.accepted(), result.duplicates(), 0,
                    result.rejected(), null, null));
        }
        return ResponseEntity.status(HttpStatus.UNPROCESSABLE_CONTENT).body(new Answer(tenant, result.received(),
                result.accepted(), result.duplicates(), rejected, result.rejected(), "invalid_events", rejected + " of "
                + result.received() + " events were rejected (see \"rejected\"); the other "
                + (result.received() - rejected) + " were stored"));
    }
}
