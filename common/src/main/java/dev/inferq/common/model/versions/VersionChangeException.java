package dev.inferq.common.model.versions;

/** A change of a model's versions that cannot be made, and why: the API answers 404, 409 or 400 by {@link Kind}. */
public class VersionChangeException extends RuntimeException {

    /** What kind of refusal. */
    public enum Kind {
        /** The model has no such version. */
        NOT_FOUND,
        /** The change contradicts the versions' state (retiring the default, say). */
        CONFLICT,
        /** The request itself is wrong (a share out of range, a folder that is no model). */
        INVALID
    }

    private final Kind kind;

    public VersionChangeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
