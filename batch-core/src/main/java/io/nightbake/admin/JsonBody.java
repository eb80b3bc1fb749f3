package io.nightbake.admin;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A request body of the admin API, read as a JSON object and checked field by field, so that every mistake gets a
 * 400 that names the field and shows what is expected. Unknown fields are refused: a typo ("reson") must not pass
 * silently.
 */
public final class JsonBody {

    private final JsonNode node;
    private final String example;

    private JsonBody(JsonNode node, String example) {
        this.node = node;
        this.example = example;
    }

    /** Parses {@code body} as a JSON object with only the {@code allowed} fields; {@code example} shows a valid body. */
    public static JsonBody parse(ObjectMapper mapper, String body, String example, String... allowed) {
        if (body == null || body.isBlank()) {
            throw AdminException.invalid("a JSON body is required, e.g. " + example);
        }
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (JacksonException e) {
            throw AdminException.invalid("the body is not valid JSON; expected e.g. " + example);
        }
        if (node == null || !node.isObject()) {
            throw AdminException.invalid("the body must be a JSON object, e.g. " + example);
        }
        Set<String> known = new LinkedHashSet<>(Arrays.asList(allowed));
        for (String name : node.propertyNames()) {
            if (!known.contains(name)) {
                throw AdminException.invalid("unknown field '" + printable(name) + "'; the fields are " + String.join(", ", known)
                        + ", e.g. " + example);
            }
        }
        return new JsonBody(node, example);
    }

    /** A required string field, not blank. */
    public String text(String name) {
        String value = optionalText(name);
        if (value == null || value.isBlank()) {
            throw AdminException.invalid("\"" + name + "\" is required and must not be blank, e.g. " + example);
        }
        return value;
    }

    /** An optional string field: null when absent or null. */
    public String optionalText(String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw AdminException.invalid("\"" + name + "\" must be a string, e.g. " + example);
        }
        return value.stringValue();
    }

    /** A required whole number from {@code min} on. */
    public int wholeNumber(String name, int min) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw AdminException.invalid("\"" + name + "\" is required, e.g. " + example);
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min) {
            throw AdminException.invalid("\"" + name + "\" must be a whole number from " + min + ", e.g. " + example);
        }
        return value.intValue();
    }

    private static String printable(String value) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
