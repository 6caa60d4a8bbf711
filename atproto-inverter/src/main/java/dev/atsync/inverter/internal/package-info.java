/**
 * The inverter's machinery, not API: the ingest pipeline and HTTP listener, the WebSocket
 * listener and fan-out, metrics and tokens. Not exported; used by
 * {@link dev.atsync.inverter.Inverter} only.
 */
package dev.atsync.inverter.internal;
