package io.nightbake.access;

public class UnknownApiKeyException extends RuntimeException {
    public UnknownApiKeyException(String publicId) {
        super("no API key with id '" + printable(publicId) + "'; `api-key list` shows the ids");
    }

    private static String printable(String value) {
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
