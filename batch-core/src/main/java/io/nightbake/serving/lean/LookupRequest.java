package io.nightbake.serving.lean;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads a request target the way Tomcat and Spring MVC read it for
 * {@code GET /api/v1/tenants/{tenant}/customers/{customer}/recommendations?limit=N}, so that the lean listener
 * answers exactly the requests the controller would, with the same values:
 * <ul>
 *   <li>each path segment loses its {@code ;parameters} (Tomcat and Spring MVC drop them), then is percent-decoded
 *       as UTF-8; an encoded '/' or NUL byte, a malformed escape or bytes that are not UTF-8 make Tomcat refuse the
 *       request with 400 before any filter runs: {@link Kind#REFUSED};</li>
 *   <li>{@code limit} is the query parameter as the servlet API gives it ('+' is a space, escapes decoded as UTF-8;
 *       several values are joined with ',' as Spring converts a String[] to a String);</li>
 *   <li>anything this class does not read exactly as Tomcat and Spring would (another path, encoded literal
 *       segments, empty, "." or ".." segments, characters Tomcat refuses or relaxes, an escaped ';parameter', a
 *       query that does not decode) is {@link Kind#OTHER}: the listener forwards it to Spring, which answers as it
 *       always has.</li>
 * </ul>
 * One instance per connection (event-loop confined), reused for every request.
 */
final class LookupRequest {

    enum Kind { LOOKUP, REFUSED, OTHER }

    private static final String PREFIX = "/api/v1/tenants/";

    Kind kind;
    String tenant;
    String customer;
    /** The raw {@code limit} value(s), decoded; null when absent. */
    String limit;

    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] bytes = new byte[256];

    /** Reads {@code uri} (the request target as sent); sets {@link #kind} and, for a lookup, the fields. */
    Kind read(String uri) {
        tenant = null;
        customer = null;
        limit = null;
        kind = parse(uri);
        return kind;
    }

    private Kind parse(String uri) {
        if (!uri.startsWith(PREFIX)) {
            return Kind.OTHER;
        }
        int query = uri.indexOf('?');
        int pathEnd = query < 0 ? uri.length() : query;
        // tenant segment
        int tenantEnd = uri.indexOf('/', PREFIX.length());
        if (tenantEnd < 0 || tenantEnd > pathEnd || !uri.startsWith("customers/", tenantEnd + 1)) {
            return Kind.OTHER;
        }
        int customerStart = tenantEnd + 1 + "customers/".length();
        int customerEnd = uri.indexOf('/', customerStart);
        if (customerEnd < 0 || customerEnd > pathEnd || pathEnd - customerEnd != "/recommendations".length()
                || !uri.startsWith("/recommendations", customerEnd)) {
            return Kind.OTHER;
        }
        for (int i = 0; i < pathEnd; i++) {
            if (!pathChar(uri.charAt(i))) {
                return Kind.OTHER; // Tomcat refuses or relaxes these: leave them to it
            }
        }
        Segment t = segment(uri, PREFIX.length(), tenantEnd);
        if (t == Segment.OTHER) {
            return Kind.OTHER;
        }
        String decodedTenant = decoded;
        Segment c = segment(uri, customerStart, customerEnd);
        if (c == Segment.OTHER) {
            return Kind.OTHER;
        }
        if (t == Segment.REFUSED || c == Segment.REFUSED) {
            return Kind.REFUSED;
        }
        tenant = decodedTenant;
        customer = decoded;
        if (query >= 0 && !readQuery(uri, query + 1)) {
            return Kind.OTHER;
        }
        return Kind.LOOKUP;
    }

    private enum Segment { OK, REFUSED, OTHER }

    private String decoded;

    /** Decodes one path segment into {@link #decoded}. */
    private Segment segment(String uri, int from, int to) {
        int semicolon = uri.indexOf(';', from);
        int end = semicolon >= 0 && semicolon < to ? semicolon : to;
        if (end < to && uri.indexOf('%', end) >= 0 && uri.indexOf('%', end) < to) {
            return Segment.OTHER; // an escaped path parameter: Tomcat's own reading
        }
        String value = decode(uri, from, end, false);
        if (value == REFUSE) {
            return Segment.REFUSED;
        }
        if (value.isEmpty() || value.equals(".") || value.equals("..") || value.indexOf('\\') >= 0) {
            return Segment.OTHER; // normalized (or refused) by Tomcat before Spring sees it
        }
        decoded = value;
        return Segment.OK;
    }

    /** The query's {@code limit} values; false when the query is not read exactly here. */
    private boolean readQuery(String uri, int from) {
        int n = uri.length();
        String found = null;
        int i = from;
        while (i <= n) {
            int amp = uri.indexOf('&', i);
            int end = amp < 0 ? n : amp;
            if (end > i) {
                int eq = uri.indexOf('=', i);
                int nameEnd = eq >= 0 && eq < end ? eq : end;
                for (int k = i; k < end; k++) {
                    if (!queryChar(uri.charAt(k))) {
                        return false;
                    }
                }
                String name = decode(uri, i, nameEnd, true);
                if (name == REFUSE || name.indexOf('\0') >= 0) {
                    return false;
                }
                if (name.equals("limit")) {
                    String value = nameEnd < end ? decode(uri, nameEnd + 1, end, true) : "";
                    if (value == REFUSE || value.indexOf('\0') >= 0) {
                        return false;
                    }
                    found = found == null ? value : found + "," + value;
                }
            }
            if (amp < 0) {
                break;
            }
            i = amp + 1;
        }
        limit = found;
        return true;
    }

    /** Marks a refused decoding (compared by identity). */
    private static final String REFUSE = new String("refuse");

    /** Percent-decodes {@code uri[from, to)} as UTF-8 ('+' as space in a query); {@link #REFUSE} when it cannot. */
    private String decode(String uri, int from, int to, boolean query) {
        boolean plain = true;
        for (int i = from; i < to; i++) {
            char ch = uri.charAt(i);
            if (ch == '%' || (query && ch == '+')) {
                plain = false;
                break;
            }
        }
        if (plain) {
            return uri.substring(from, to);
        }
        if (bytes.length < to - from) {
            bytes = new byte[to - from];
        }
        int length = 0;
        for (int i = from; i < to; i++) {
            char ch = uri.charAt(i);
            if (ch == '%') {
                if (i + 2 >= to) {
                    return REFUSE; // a truncated escape
                }
                int hi = Character.digit(uri.charAt(i + 1), 16);
                int lo = Character.digit(uri.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return REFUSE;
                }
                int b = hi << 4 | lo;
                if (!query && (b == 0 || b == '/')) {
                    return REFUSE; // Tomcat: an encoded '/' or NUL in the path is refused
                }
                bytes[length++] = (byte) b;
                i += 2;
            } else {
                bytes[length++] = (byte) (query && ch == '+' ? ' ' : ch);
            }
        }
        try {
            CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(bytes, 0, length));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return REFUSE;
        }
    }

    /** Characters of a path that Tomcat takes as they are (RFC 3986 pchar and '/'). */
    private static boolean pathChar(char ch) {
        return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
                || "-._~!$&'()*+,;=:@%/".indexOf(ch) >= 0;
    }

    /** Characters of a query that Tomcat takes as they are. */
    private static boolean queryChar(char ch) {
        return pathChar(ch) || ch == '?';
    }
}
