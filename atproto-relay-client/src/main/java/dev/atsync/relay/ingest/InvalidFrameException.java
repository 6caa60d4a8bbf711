package dev.atsync.relay.ingest;

/** 400 {@code InvalidFrame}: frame number {@link #frameIndex()} of the batch is malformed. Never retried. */
public final class InvalidFrameException extends InverterException {
  private static final long serialVersionUID = 1L;
  private final int frameIndex;

  /** Creates the exception; {@code frameIndex} is -1 when the server did not say. */
  public InvalidFrameException(String message, int frameIndex) {
    super(400, "InvalidFrame", message + (frameIndex >= 0 ? " (frame " + frameIndex + ")" : ""), null);
    this.frameIndex = frameIndex;
  }

  /** Index of the bad frame within the posted batch, or -1. */
  public int frameIndex() { return frameIndex; }
}
