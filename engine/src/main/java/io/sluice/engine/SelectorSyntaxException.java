package io.sluice.engine;

/**
 * A series selector that does not parse. The message names the 0-based character position, e.g.
 * {@code bad selector at position 9 (0-based): expected '}' to close the selector, found the end}.
 */
public final class SelectorSyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String selector;
    private final int position;

    public SelectorSyntaxException(String selector, int position, String reason) {
        super("bad selector at position " + position + " (0-based): " + reason);
        this.selector = selector;
        this.position = position;
    }

    /** The text that was parsed. */
    public String selector() {
        return selector;
    }

    /** 0-based character offset of the error in {@link #selector()}. */
    public int position() {
        return position;
    }
}
