package io.nightbake.retrain.data;

/**
 * Whether a tenant's interactions are explicit ratings or implicit feedback (views, clicks, purchases). Ratings
 * carry the event type {@value #RATING_EVENT}; anything else, or no event type, is implicit.
 */
public enum FeedbackKind {
    EXPLICIT, IMPLICIT;

    public static final String RATING_EVENT = "rating";

    /** EXPLICIT when every given row is a rating, else IMPLICIT. */
    public static FeedbackKind of(TenantDataset data, int[] rows) {
        int ratingCode = data.eventTypes().indexOf(RATING_EVENT);
        if (ratingCode < 0) {
            return IMPLICIT;
        }
        for (int row : rows) {
            if (data.eventTypeCode(row) != ratingCode) {
                return IMPLICIT;
            }
        }
        return EXPLICIT;
    }
}
