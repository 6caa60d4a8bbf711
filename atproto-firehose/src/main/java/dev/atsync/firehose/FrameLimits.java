package dev.atsync.firehose;

/**
 * Size limits applied while decoding and validating frames. The defaults are those of the
 * {@code com.atproto.sync.subscribeRepos} lexicon and the Sync v1.1 specification.
 *
 * @param maxFrameBytes largest frame accepted, header included (default 5,000,000)
 * @param maxCommitOps most ops in one {@code #commit} (default 200)
 * @param maxCommitBlocksBytes largest {@code blocks} CAR in a {@code #commit} (default 2,000,000)
 * @param maxSyncBlocksBytes largest {@code blocks} CAR in a {@code #sync} (default 10,000)
 * @param maxDepth deepest DAG-CBOR nesting accepted in a frame (default 32)
 */
public record FrameLimits(
    int maxFrameBytes, int maxCommitOps, int maxCommitBlocksBytes, int maxSyncBlocksBytes, int maxDepth) {

  /** The lexicon's limits. */
  public static final FrameLimits DEFAULT = new FrameLimits(5_000_000, 200, 2_000_000, 10_000, 32);

  /** @throws IllegalArgumentException if any limit is not positive */
  public FrameLimits {
    if (maxFrameBytes <= 0 || maxCommitOps <= 0 || maxCommitBlocksBytes <= 0 || maxSyncBlocksBytes <= 0
        || maxDepth <= 0) {
      throw new IllegalArgumentException("frame limits must be positive");
    }
  }
}
