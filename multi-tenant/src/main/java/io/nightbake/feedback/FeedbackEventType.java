package io.nightbake.feedback;

import java.util.Locale;

/** What happened to a recommended (or any) product. */
public enum FeedbackEventType {
    IMPRESSION, CLICK, PURCHASE, RATING;

    /** The lower-case name used in JSON, the database and the Parquet files. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type for a wire name, or null when there is none. */
    public static FeedbackEventType ofWireName(String name) {
        for (FeedbackEventType type : values()) {
            if (type.wireName().equals(name)) {
                return type;
            }
        }
        return null;
    }
}
