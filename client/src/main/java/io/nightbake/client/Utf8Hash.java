package io.nightbake.client;

import java.nio.ByteBuffer;

/**
 * The customer-id hash of the serving format: FNV-1a over the id's UTF-8 bytes, finished with Murmur3's mixer.
 * {@link #hash(CharSequence)} computes it straight from the characters (as {@link String#getBytes} with UTF-8
 * encodes them, an unpaired surrogate becoming {@code '?'}), so a lookup needs no encoding buffer.
 */
final class Utf8Hash {

    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private Utf8Hash() {
    }

    static int hash(byte[] bytes, int from, int length) {
        int h = FNV_OFFSET;
        for (int i = from, end = from + length; i < end; i++) {
            h = (h ^ (bytes[i] & 0xFF)) * FNV_PRIME;
        }
        return finish(h);
    }

    /** The hash in the low 32 bits, the UTF-8 length in the high 32. */
    static long hash(CharSequence s) {
        int h = FNV_OFFSET;
        int length = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                h = (h ^ ch) * FNV_PRIME;
                length++;
            } else if (ch < 0x800) {
                h = (h ^ (0xC0 | ch >> 6)) * FNV_PRIME;
                h = (h ^ (0x80 | ch & 0x3F)) * FNV_PRIME;
                length += 2;
            } else if (Character.isSurrogate(ch)) {
                if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(ch, s.charAt(++i));
                    h = (h ^ (0xF0 | cp >> 18)) * FNV_PRIME;
                    h = (h ^ (0x80 | cp >> 12 & 0x3F)) * FNV_PRIME;
                    h = (h ^ (0x80 | cp >> 6 & 0x3F)) * FNV_PRIME;
                    h = (h ^ (0x80 | cp & 0x3F)) * FNV_PRIME;
                    length += 4;
                } else {
                    h = (h ^ '?') * FNV_PRIME;
                    length++;
                }
            } else {
                h = (h ^ (0xE0 | ch >> 12)) * FNV_PRIME;
                h = (h ^ (0x80 | ch >> 6 & 0x3F)) * FNV_PRIME;
                h = (h ^ (0x80 | ch & 0x3F)) * FNV_PRIME;
                length += 3;
            }
        }
        return ((long) length << 32) | (finish(h) & 0xFFFFFFFFL);
    }

    /** Whether {@code s}'s UTF-8 encoding equals the bytes at {@code from} (the caller checked the length). */
    static boolean matches(CharSequence s, ByteBuffer bytes, int from) {
        int p = from;
        for (int i = 0, n = s.length(); i < n; i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                if (bytes.get(p++) != (byte) ch) {
                    return false;
                }
            } else if (ch < 0x800) {
                if (bytes.get(p++) != (byte) (0xC0 | ch >> 6) || bytes.get(p++) != (byte) (0x80 | ch & 0x3F)) {
                    return false;
                }
            } else if (Character.isSurrogate(ch)) {
                if (Character.isHighSurrogate(ch) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(ch, s.charAt(++i));
                    if (bytes.get(p++) != (byte) (0xF0 | cp >> 18) || bytes.get(p++) != (byte) (0x80 | cp >> 12 & 0x3F)
                            || bytes.get(p++) != (byte) (0x80 | cp >> 6 & 0x3F)
                            || bytes.get(p++) != (byte) (0x80 | cp & 0x3F)) {
                        return false;
                    }
                } else if (bytes.get(p++) != '?') {
                    return false;
                }
            } else {
                if (bytes.get(p++) != (byte) (0xE0 | ch >> 12) || bytes.get(p++) != (byte) (0x80 | ch >> 6 & 0x3F)
                        || bytes.get(p++) != (byte) (0x80 | ch & 0x3F)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Murmur3's finalizer: spreads FNV's weak low bits over the whole word. */
    private static int finish(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
