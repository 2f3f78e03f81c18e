// rtenc live viewer: WebSocket in, WebCodecs VideoDecoder, canvas out. No dependencies.
//
// Each binary message is one H.264 Annex B access unit behind a 24-byte header (big-endian):
// version (1), flags (bit 0: IDR), header length, encode time in us, sequence number (u64),
// capture time in us since the Unix epoch (u64). The page sends {"type":"keyframe"} to ask for
// an IDR. window.rtencStats exposes counters, requestKeyframe() and simulateDecodeError() for
// automated tests.
'use strict';
(() => {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  const query = token === null ? '' : '?token=' + encodeURIComponent(token);
  const $ = (id) => document.getElementById(id);
  const canvas = $('video');
  const ctx = canvas.getContext('2d');

  const stats = {
    status: 'starting',
    connected: false,
    config: null,
    framesReceived: 0,
    keyframesReceived: 0,
    framesDecoded: 0,
    decodeErrors: 0,
    lastError: null,
    dropped: 0,
    keyframeRequests: 0,
    lastKeyframeRequestSeq: -1,
    lastKeySeq: -1,
    lastSeq: -1,
    latencyMs: null,
    fps: 0,
    kbps: 0,
    requestKeyframe: () => requestKeyframe(),
    // For tests: takes the path of a real decode error (new decoder, wait for an IDR, ask for
    // one), since a browser's decoder may conceal a corrupt chunk rather than fail on it.
    simulateDecodeError: () => onDecodeError(new Error('simulated decode error')),
  };
  window.rtencStats = stats;

  let cfg = null;
  let ws = null;
  let decoder = null;
  let waitingForKey = true;
  let retryMs = 500;
  const captureUs = new Map(); // chunk timestamp (sequence number) -> capture time
  const window1s = []; // [time ms, bytes, decoded?, latency ms or null]

  function setStatus(text, isError) {
    stats.status = text;
    const el = $('status');
    el.textContent = text;
    el.className = isError ? 'error' : '';
  }

  function nowUs() {
    return (performance.timeOrigin + performance.now()) * 1000;
  }

  function requestKeyframe() {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify({ type: 'keyframe' }));
    stats.keyframeRequests++;
    stats.lastKeyframeRequestSeq = stats.lastSeq;
    return true;
  }

  // A new decoder, waiting for the next IDR (after an error the old one is closed).
  function newDecoder() {
    if (decoder && decoder.state !== 'closed') decoder.close();
    decoder = new VideoDecoder({ output: onFrame, error: onDecodeError });
    decoder.configure({
      codec: cfg.codec,
      codedWidth: cfg.width,
      codedHeight: cfg.height,
      optimizeForLatency: true,
    });
    waitingForKey = true;
    captureUs.clear();
  }

  function onFrame(frame) {
    ctx.drawImage(frame, 0, 0, canvas.width, canvas.height);
    const cap = captureUs.get(frame.timestamp);
    frame.close();
    stats.framesDecoded++;
    let latency = null;
    if (cap !== undefined) {
      captureUs.delete(frame.timestamp);
      latency = (nowUs() - cap) / 1000;
      stats.latencyMs = latency;
    }
    window1s.push([performance.now(), 0, true, latency]);
  }

  function onDecodeError(e) {
    stats.decodeErrors++;
    stats.lastError = String(e && e.message ? e.message : e);
    setStatus('decode error: ' + stats.lastError + '; waiting for the next keyframe', true);
    // The failed decoder is closed: start again from an IDR, and ask for one now.
    newDecoder();
    requestKeyframe();
  }

  function onMessage(ev) {
    if (!(ev.data instanceof ArrayBuffer) || ev.data.byteLength < 24) return;
    const buf = ev.data;
    const dv = new DataView(buf);
    const headerLen = dv.getUint16(2);
    if (dv.getUint8(0) !== 1 || headerLen < 24 || headerLen > buf.byteLength) {
      setStatus('unknown message format (version ' + dv.getUint8(0) + ')', true);
      return;
    }
    const key = (dv.getUint8(1) & 1) !== 0;
    const seq = Number(dv.getBigUint64(8));
    const cap = Number(dv.getBigUint64(16));
    stats.framesReceived++;
    window1s.push([performance.now(), buf.byteLength, false, null]);
    if (stats.lastSeq >= 0 && seq > stats.lastSeq + 1) stats.dropped += seq - stats.lastSeq - 1;
    stats.lastSeq = seq;
    if (key) {
      stats.keyframesReceived++;
      stats.lastKeySeq = seq;
    }
    if (!decoder || decoder.state !== 'configured') return;
    if (waitingForKey && !key) {
      stats.dropped++;
      return;
    }
    if (!key && decoder.decodeQueueSize > 8) {
      // The decoder cannot keep up: skip to the next IDR rather than fall further behind.
      stats.dropped++;
      waitingForKey = true;
      requestKeyframe();
      return;
    }
    if (key && waitingForKey) {
      waitingForKey = false;
      setStatus('playing ' + cfg.width + 'x' + cfg.height + ' ' + cfg.codec);
    }
    captureUs.set(seq, cap);
    if (captureUs.size > 256) captureUs.delete(captureUs.keys().next().value);
    decoder.decode(new EncodedVideoChunk({
      type: key ? 'key' : 'delta',
      timestamp: seq,
      data: new Uint8Array(buf, headerLen),
    }));
  }

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(proto + '//' + location.host + '/ws' + query);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      stats.connected = true;
      retryMs = 500;
      setStatus('connected; waiting for a keyframe');
      newDecoder();
    };
    ws.onmessage = onMessage;
    ws.onclose = (ev) => {
      const was = stats.connected;
      stats.connected = false;
      if (decoder && decoder.state !== 'closed') decoder.close();
      const why = ev.reason ? ': ' + ev.reason : was ? '' : ' (refused: viewer limit, or the server is gone)';
      setStatus('disconnected' + why + '; retrying in ' + (retryMs / 1000) + ' s', true);
      setTimeout(start, retryMs);
      retryMs = Math.min(retryMs * 2, 8000);
    };
  }

  async function start() {
    if (typeof VideoDecoder === 'undefined') {
      setStatus('this browser has no WebCodecs VideoDecoder; it needs a recent Chrome, Edge, ' +
        'Firefox or Safari, and a secure page: open it as http://127.0.0.1 or localhost, or ' +
        'over https', true);
      return;
    }
    let res;
    try {
      res = await fetch('config.json' + query, { cache: 'no-store' });
    } catch (e) {
      setStatus('cannot reach the server; retrying', true);
      setTimeout(start, retryMs);
      retryMs = Math.min(retryMs * 2, 8000);
      return;
    }
    if (res.status === 401 || res.status === 403) {
      setStatus((res.status === 401 ? 'this server needs a token: open the URL it printed, ' +
        'with ?token=...' : 'wrong token') + ' (HTTP ' + res.status + ')', true);
      return;
    }
    if (!res.ok) {
      setStatus('config.json: HTTP ' + res.status, true);
      return;
    }
    cfg = await res.json();
    stats.config = cfg;
    canvas.width = cfg.width;
    canvas.height = cfg.height;
    $('info').textContent = cfg.width + 'x' + cfg.height + ' ' + cfg.codec;
    const support = await VideoDecoder.isConfigSupported({
      codec: cfg.codec, codedWidth: cfg.width, codedHeight: cfg.height, optimizeForLatency: true,
    });
    if (!support.supported) {
      setStatus('this browser cannot decode ' + cfg.codec + ' at ' + cfg.width + 'x' + cfg.height, true);
      return;
    }
    connect();
  }

  function updateStats() {
    const now = performance.now();
    while (window1s.length && now - window1s[0][0] > 1000) window1s.shift();
    let bytes = 0;
    let frames = 0;
    let lat = 0;
    let nlat = 0;
    for (const [, b, decoded, l] of window1s) {
      bytes += b;
      if (decoded) frames++;
      if (l !== null) {
        lat += l;
        nlat++;
      }
    }
    stats.fps = frames;
    stats.kbps = Math.round(bytes * 8 / 1000);
    $('fps').textContent = String(frames);
    $('kbps').textContent = stats.kbps >= 1000 ? (stats.kbps / 1000).toFixed(2) + ' Mbit/s' : stats.kbps + ' kbit/s';
    $('latency').textContent = nlat ? (lat / nlat).toFixed(1) + ' ms' : '-';
    $('dropped').textContent = String(stats.dropped);
    $('errors').textContent = String(stats.decodeErrors);
  }

  $('keyframe').addEventListener('click', () => requestKeyframe());
  setInterval(updateStats, 500);
  start();
})();
