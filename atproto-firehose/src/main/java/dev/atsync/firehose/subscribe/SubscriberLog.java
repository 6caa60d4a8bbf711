package dev.atsync.firehose.subscribe;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The logger of the subscriber and of its listener's defaults. */
final class SubscriberLog {
  static final Logger LOG = LoggerFactory.getLogger(FirehoseSubscriber.class);

  private SubscriberLog() {}
}
