package io.nightbake.api;

import io.nightbake.client.ServingSnapshot;
import io.nightbake.serving.TenantSnapshotIndex;
import java.io.ByteArrayOutputStream;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place that builds a lookup answer's JSON: written field by field with the application's own Jackson
 * generator straight from the serving index (no records, no lists of boxed items), so the bytes are exactly what
 * serialising {@code {tenant, customer, status, recommendations: [{rank, productId, score}], modelVersion, snapshot,
 * snapshotDate, arm, recommendationId, available?}} gives ({@code available} only when the list is shorter than asked for). New answer fields belong here.
 */
final class LookupAnswer {

    private final JsonMapper json;

    LookupAnswer(JsonMapper json) {
        this.json = json;
    }

    /** An answer without a list (status {@code TENANT_OFF}): no snapshot fields. */
    byte[] withoutList(String tenant, String customer, String status) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(160);
        try (JsonGenerator g = json.createGenerator(out)) {
            head(g, tenant, customer, status);
            g.writeName("recommendations");
            g.writeStartArray();
            g.writeEndArray();
            g.writeNullProperty("modelVersion");
            g.writeNullProperty("snapshot");
            g.writeNullProperty("snapshotDate");
            g.writeNullProperty("arm");
            g.writeNullProperty("recommendationId");
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** The list of customer {@code c} of {@code index}, cut to {@code limit} entries, with its arm's model version and id. */
    byte[] list(String tenant, String customer, TenantSnapshotIndex index, int c, int limit) {
        ServingSnapshot data = index.data();
        int arm = data.customerArm(c); // the experiment arm whose list the customer sees: its version and attribution
        int start = data.listStart(c);
        int size = Math.min(data.listEnd(c) - start, limit);
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + 64 * size);
        byte[] id = new byte[64];
        try (JsonGenerator g = json.createGenerator(out)) {
            head(g, tenant, customer, size == 0 ? "NOTHING_TO_RECOMMEND" : "OK");
            g.writeName("recommendations");
            g.writeStartArray();
            for (int i = 0; i < size; i++) {
                int code = data.productCode(start + i);
                int length = data.productIdLength(code);
                if (length > id.length) {
                    id = new byte[Math.max(length, 2 * id.length)];
                }
                data.copyProductId(code, id, 0);
                g.writeStartObject();
                g.writeNumberProperty("rank", i + 1);
                g.writeName("productId");
                g.writeUTF8String(id, 0, length);
                g.writeName("score");
                g.writeNumber(data.score(start + i));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberProperty("modelVersion", index.armModelVersion(arm));
            g.writeStringProperty("snapshot", index.snapshotId());
            g.writeStringProperty("snapshotDate", index.runDate().toString());
            g.writeStringProperty("arm", index.armName(arm));
            g.writeStringProperty("recommendationId", index.recommendationId(arm));
            if (size < limit) {
                // fewer entries than asked for (limit, or K by default): the customer's whole list
                g.writeNumberProperty("available", size);
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void head(JsonGenerator g, String tenant, String customer, String status) {
        g.writeStartObject();
        g.writeStringProperty("tenant", tenant);
        g.writeStringProperty("customer", customer);
        g.writeStringProperty("status", status);
    }
}
