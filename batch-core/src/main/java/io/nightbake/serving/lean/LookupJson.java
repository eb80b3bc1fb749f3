package io.nightbake.serving.lean;

import io.nightbake.client.ServingSnapshot;
import io.nightbake.serving.TenantSnapshotIndex;
import io.netty.buffer.ByteBuf;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.io.NumberOutput;

/**
 * Writes the lookup API's JSON answers straight into a (pooled) {@link ByteBuf}, from the serving index's bytes: the
 * same bytes that {@code api/LookupAnswer} and {@code api/ApiErrors} produce through Jackson (same field order, same
 * string escaping as Jackson's UTF-8 generator, floats by Jackson's own {@link NumberOutput}), without a generator,
 * an intermediate {@code byte[]} or a String per product. {@code LeanLookupAnswersTest} compares the two byte by byte.
 */
final class LookupJson {

    /** Jackson's default float writer: the application's JsonMapper leaves this feature at its default. */
    private static final boolean FAST_FLOATS = StreamWriteFeature.USE_FAST_DOUBLE_WRITER.enabledByDefault();
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private LookupJson() {
    }

    /** One connection's buffers (its handler runs on one event-loop thread) for the product ids and score texts. */
    static final class Scratch {
        private byte[] id = new byte[64];
        private final StringBuilder number = new StringBuilder(32);
    }

    /** The list of customer {@code c} of {@code index}, cut to {@code limit}: {@code LookupAnswer.list}. */
    static void list(ByteBuf out, String tenant, String customer, TenantSnapshotIndex index, int c, int limit, Scratch scratch) {
        ServingSnapshot data = index.data();
        int arm = data.customerArm(c);
        int start = data.listStart(c);
        int size = Math.min(data.listEnd(c) - start, limit);
        head(out, tenant, customer, size == 0 ? "NOTHING_TO_RECOMMEND" : "OK");
        ascii(out, ",\"recommendations\":[");
        byte[] id = scratch.id;
        for (int i = 0; i < size; i++) {
            int code = data.productCode(start + i);
            int length = data.productIdLength(code);
            if (length > id.length) {
                id = new byte[Math.max(length, 2 * id.length)];
                scratch.id = id;
            }
            data.copyProductId(code, id, 0);
            if (i > 0) {
                out.writeByte(',');
            }
            ascii(out, "{\"rank\":");
            integer(out, i + 1);
            ascii(out, ",\"productId\":");
            utf8String(out, id, length);
            ascii(out, ",\"score\":");
            score(out, data.score(start + i), scratch.number);
            out.writeByte('}');
        }
        ascii(out, "],\"modelVersion\":");
        integer(out, index.armModelVersion(arm));
        ascii(out, ",\"snapshot\":");
        string(out, index.snapshotId());
        ascii(out, ",\"snapshotDate\":");
        string(out, index.runDateText());
        ascii(out, ",\"arm\":");
        string(out, index.armName(arm));
        ascii(out, ",\"recommendationId\":");
        string(out, index.recommendationId(arm));
        if (size < limit) {
            ascii(out, ",\"available\":");
            integer(out, size);
        }
        out.writeByte('}');
    }

    /** An answer without a list (status {@code TENANT_OFF}): {@code LookupAnswer.withoutList}. */
    static void withoutList(ByteBuf out, String tenant, String customer, String status) {
        head(out, tenant, customer, status);
        ascii(out, ",\"recommendations\":[],\"modelVersion\":null,\"snapshot\":null,\"snapshotDate\":null,\"arm\":null,"
                + "\"recommendationId\":null}");
    }

    /** {@code {"error":...,"message":...}}: the body of {@code ApiErrors}, {@code ApiKeyFilter} and the error valve. */
    static void error(ByteBuf out, String error, String message) {
        ascii(out, "{\"error\":");
        string(out, error);
        ascii(out, ",\"message\":");
        string(out, message);
        out.writeByte('}');
    }

    private static void head(ByteBuf out, String tenant, String customer, String status) {
        ascii(out, "{\"tenant\":");
        string(out, tenant);
        ascii(out, ",\"customer\":");
        string(out, customer);
        ascii(out, ",\"status\":");
        string(out, status);
    }

    private static void ascii(ByteBuf out, String text) {
        out.writeCharSequence(text, java.nio.charset.StandardCharsets.US_ASCII);
    }

    static void integer(ByteBuf out, int value) {
        if (value < 0) {
            if (value == Integer.MIN_VALUE) {
                ascii(out, "-2147483648");
                return;
            }
            out.writeByte('-');
            value = -value;
        }
        int digits = 1;
        for (int v = value; v >= 10; v /= 10) {
            digits++;
        }
        int at = out.writerIndex() + digits;
        out.ensureWritable(digits);
        for (int i = 1; i <= digits; i++) {
            out.setByte(at - i, '0' + value % 10);
            value /= 10;
        }
        out.writerIndex(at);
    }

    /**
     * As Jackson's {@code writeNumber(float)}: Jackson's float text ({@code Float.toString} by default); NaN and
     * infinities as strings. The default text goes through a reused StringBuilder, whose {@code append(float)} writes
     * the same digits as {@code Float.toString} without making a String: ten scores per lookup made ten Strings.
     */
    static void score(ByteBuf out, float value, StringBuilder number) {
        if (NumberOutput.notFinite(value)) {
            out.writeByte('"');
            ascii(out, Float.toString(value));
            out.writeByte('"');
        } else if (FAST_FLOATS) {
            ascii(out, NumberOutput.toString(value, true));
        } else {
            number.setLength(0);
            out.writeCharSequence(number.append(value), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    /** A JSON string of UTF-16 text as Jackson's UTF-8 generator writes it; null as {@code null}. */
    static void string(ByteBuf out, String s) {
        if (s == null) {
            ascii(out, "null");
            return;
        }
        out.writeByte('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                asciiChar(out, ch);
            } else if (ch < 0x800) {
                out.writeByte(0xC0 | (ch >> 6));
                out.writeByte(0x80 | (ch & 0x3F));
            } else if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(ch, s.charAt(++i));
                out.writeByte(0xF0 | (cp >> 18));
                out.writeByte(0x80 | ((cp >> 12) & 0x3F));
                out.writeByte(0x80 | ((cp >> 6) & 0x3F));
                out.writeByte(0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(ch)) {
                // a lone surrogate cannot come from UTF-8 input (paths are decoded strictly); never from the index
                throw new IllegalArgumentException("lone surrogate in a JSON string");
            } else {
                out.writeByte(0xE0 | (ch >> 12));
                out.writeByte(0x80 | ((ch >> 6) & 0x3F));
                out.writeByte(0x80 | (ch & 0x3F));
            }
        }
        out.writeByte('"');
    }

    /** A JSON string of UTF-8 bytes (Jackson's {@code writeUTF8String}: ASCII escaped, other bytes as they are). */
    private static void utf8String(ByteBuf out, byte[] utf8, int length) {
        out.writeByte('"');
        int plain = 0;
        for (int i = 0; i < length; i++) {
            int b = utf8[i];
            if (b >= 0 && (b < 0x20 || b == '"' || b == '\\')) {
                out.writeBytes(utf8, plain, i - plain);
                asciiChar(out, (char) b);
                plain = i + 1;
            }
        }
        out.writeBytes(utf8, plain, length - plain);
        out.writeByte('"');
    }

    /** One ASCII character, escaped as Jackson does: {@code \" \\ \b \t \f \n \r}, other controls as backslash-u-00XX. */
    private static void asciiChar(ByteBuf out, char ch) {
        if (ch >= 0x20 && ch != '"' && ch != '\\') {
            out.writeByte(ch);
            return;
        }
        out.writeByte('\\');
        switch (ch) {
            case '"', '\\' -> out.writeByte(ch);
            case '\b' -> out.writeByte('b');
            case '\t' -> out.writeByte('t');
            case '\f' -> out.writeByte('f');
            case '\n' -> out.writeByte('n');
            case '\r' -> out.writeByte('r');
            default -> {
                out.writeByte('u');
                out.writeByte('0');
                out.writeByte('0');
                out.writeByte(HEX[ch >> 4]);
                out.writeByte(HEX[ch & 0xF]);
            }
        }
    }
}
