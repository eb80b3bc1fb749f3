package io.nightbake.feedback;

import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * Validates a batch of feedback events event by event and stores the valid ones in one transaction (see
 * {@link EventStore}); a bad event is reported with its index, field and reason and does not reject the others.
 */
@Service
public class EventIngestService {

    static final Set<String> FIELDS = Set.of("eventId", "customerId", "productId", "type", "time", "value",
            "recommendationId", "rank");
    private static final Pattern EVENT_ID = Pattern.compile("[^\\p{Cntrl}]{1,128}");
    private static final Pattern ENTITY_ID = Pattern.compile("[^\\p{Cntrl}]{1,256}");
    private static final int MAX_RANK = 1000;

    private final EventStore store;
    private final ServingService serving;
    private final FeedbackSettings settings;
    private final Clock clock;
    /** Snapshots each tenant is known to have published; only positive answers are cached. */
    private final Map<String, Set<String>> knownSnapshots = new ConcurrentHashMap<>();

    public EventIngestService(EventStore store, ServingService serving, FeedbackSettings settings, Clock clock) {
        this.store = store;
        this.serving = serving;
        this.settings = settings;
        this.clock = clock;
    }

    public record Rejection(int index, String eventId, String field, String reason) {
    }

    public record Result(String tenant, int received, int accepted, int duplicates, List<Rejection> rejected) {
    }

    /** Validates and stores; {@code events} is the JSON array of the batch (the caller checked its size). */
    public Result ingest(TenantId tenant, JsonNode events) {
        List<FeedbackEvent> valid = new ArrayList<>(events.size());
        List<Rejection> rejected = new ArrayList<>();
        Instant now = clock.instant();
        TenantSnapshotIndex served = serving.index().get(tenant.value());
        for (int i = 0; i < events.size(); i++) {
            JsonNode node = events.get(i);
            try {
                valid.add(parse(tenant, node, now, served));
            } catch (InvalidEvent e) {
                JsonNode id = node != null && node.isObject() ? node.get("eventId") : null;
                rejected.add(new Rejection(i, id != null && id.isString() ? id.stringValue() : null, e.field, e.getMessage()));
            }
        }
        return store(tenant, valid, events.size(), rejected);
    }

    /** Stores already validated events (the simulator inside the same process). */
    public Result ingestValidated(TenantId tenant, List<FeedbackEvent> events) {
        return store(tenant, events, events.size(), List.of());
    }

    private Result store(TenantId tenant, List<FeedbackEvent> valid, int received, List<Rejection> rejected) {
        boolean[] fresh = store.insert(tenant, valid);
        int accepted = 0;
        for (boolean f : fresh) {
            if (f) {
                accepted++;
            }
        }
        return new Result(tenant.value(), received, accepted, valid.size() - accepted, rejected);
    }

    private FeedbackEvent parse(TenantId tenant, JsonNode node, Instant now, TenantSnapshotIndex served) {
        if (node == null || !node.isObject()) {
            throw new InvalidEvent(null, "each event must be a JSON object");
        }
        for (String name : node.propertyNames()) {
            if (!FIELDS.contains(name)) {
                throw new InvalidEvent(printable(name), "unknown field; the fields are eventId, customerId, productId, "
                        + "type, time, value, recommendationId, rank");
            }
        }
        String eventId = text(node, "eventId", EVENT_ID, "1-128 characters without control characters");
        String customerId = text(node, "customerId", ENTITY_ID, "1-256 characters without control characters");
        String productId = text(node, "productId", ENTITY_ID, "1-256 characters without control characters");
        String typeName = text(node, "type", ENTITY_ID, "one of impression, click, purchase, rating");
        FeedbackEventType type = FeedbackEventType.ofWireName(typeName);
        if (type == null) {
            throw new InvalidEvent("type", "must be one of impression, click, purchase, rating, was '" + printable(typeName) + "'");
        }
        Instant time = time(node, now);
        Double value = value(node, type);
        Integer rank = rank(node);
        String recommendationId = recommendationId(tenant, node);
        if (served != null && !served.containsCustomer(customerId)) {
            throw new InvalidEvent("customerId", "customer '" + printable(customerId) + "' is not a customer of tenant '"
                    + tenant + "' (not in its published snapshot " + served.snapshotId() + ")");
        }
        return new FeedbackEvent(eventId, customerId, productId, type, value, time, recommendationId, rank);
    }

    private static String text(JsonNode node, String field, Pattern pattern, String expected) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new InvalidEvent(field, "is required (" + expected + ")");
        }
        if (!value.isString()) {
            throw new InvalidEvent(field, "must be a string (" + expected + ")");
        }
        String text = value.stringValue();
        if (!pattern.matcher(text).matches()) {
            throw new InvalidEvent(field, "must be " + expected);
        }
        return text;
    }

    private Instant time(JsonNode node, Instant now) {
        JsonNode value = node.get("time");
        if (value == null || value.isNull()) {
            throw new InvalidEvent("time", "is required, an ISO-8601 time with offset, e.g. 2026-10-30T14:05:00Z");
        }
        if (!value.isString()) {
            throw new InvalidEvent("time", "must be an ISO-8601 string with offset, e.g. 2026-10-30T14:05:00Z");
        }
        Instant time;
        try {
            time = OffsetDateTime.parse(value.stringValue()).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidEvent("time", "is not an ISO-8601 time with offset (e.g. 2026-10-30T14:05:00Z): '"
                    + printable(value.stringValue()) + "'");
        }
        if (time.isBefore(now.minus(settings.maxAge()))) {
            throw new InvalidEvent("time", time + " is more than " + settings.maxAge().toDays()
                    + " days in the past (nightbake.feedback.max-age)");
        }
        if (time.isAfter(now.plus(settings.maxFuture()))) {
            throw new InvalidEvent("time", time + " is in the future (now " + now + ", tolerance "
                    + settings.maxFuture().toSeconds() + " s: nightbake.feedback.max-future)");
        }
        return time;
    }

    private static Double value(JsonNode node, FeedbackEventType type) {
        JsonNode value = node.get("value");
        if (value == null || value.isNull()) {
            if (type == FeedbackEventType.RATING) {
                throw new InvalidEvent("value", "is required for a rating (the rating, a finite number)");
            }
            return null;
        }
        if (!value.isNumber()) {
            throw new InvalidEvent("value", "must be a number");
        }
        double v = value.doubleValue();
        if (!Double.isFinite(v)) {
            throw new InvalidEvent("value", "must be finite, was " + v);
        }
        if (type == FeedbackEventType.PURCHASE && v <= 0) {
            throw new InvalidEvent("value", "a purchase's value is its quantity and must be > 0, was " + v);
        }
        return v;
    }

    private static Integer rank(JsonNode node) {
        JsonNode value = node.get("rank");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1 || value.intValue() > MAX_RANK) {
            throw new InvalidEvent("rank", "must be a whole number from 1 to " + MAX_RANK + " (the position in the list)");
        }
        return value.intValue();
    }

    private String recommendationId(TenantId tenant, JsonNode node) {
        JsonNode value = node.get("recommendationId");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw new InvalidEvent("recommendationId", "must be a string, as returned by the lookup");
        }
        RecommendationId id;
        try {
            id = RecommendationId.parse(value.stringValue());
        } catch (IllegalArgumentException e) {
            throw new InvalidEvent("recommendationId", e.getMessage());
        }
        if (!id.tenant().equals(tenant)) {
            throw new InvalidEvent("recommendationId", "belongs to another tenant, not to '" + tenant + "'");
        }
        if (!knownSnapshot(tenant, id.snapshotId())) {
            throw new InvalidEvent("recommendationId", "names snapshot '" + id.snapshotId() + "', which tenant '" + tenant
                    + "' never published");
        }
        return id.toString();
    }

    private boolean knownSnapshot(TenantId tenant, String snapshotId) {
        Set<String> known = knownSnapshots.computeIfAbsent(tenant.value(), t -> ConcurrentHashMap.newKeySet());
        if (known.contains(snapshotId)) {
            return true;
        }
        TenantSnapshotIndex served = serving.index().get(tenant.value());
        if ((served != null && served.snapshotId().equals(snapshotId)) || store.tenantHadSnapshot(tenant, snapshotId)) {
            known.add(snapshotId);
            return true;
        }
        return false;
    }

    private static String printable(String s) {
        String cleaned = s.replaceAll("\\p{Cntrl}", "?");
        return cleaned.length() > 80 ? cleaned.substring(0, 80) + "..." : cleaned;
    }

    /** One event's problem: the field (null for the event as a whole) and why. */
    static final class InvalidEvent extends RuntimeException {
        final String field;

        InvalidEvent(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }
}
