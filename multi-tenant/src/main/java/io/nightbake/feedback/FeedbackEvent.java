package io.nightbake.feedback;

import java.time.Instant;
import java.util.Objects;

/**
 * One validated feedback event of a tenant: a list shown (impression), a product clicked, bought or rated.
 *
 * @param value            the rating, or the purchase quantity; null when not given
 * @param recommendationId the attribution id of the list the event is about; null for events outside a list
 * @param rank             the product's 1-based position in that list; null when not given
 */
public record FeedbackEvent(String eventId, String customerId, String productId, FeedbackEventType type, Double value,
                            Instant time, String recommendationId, Integer rank) {

    public FeedbackEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(customerId, "customerId");
        Objects.requireNonNull(productId, "productId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
    }
}
