"""An attack run against a real ``musicgen serve``: bad input, quota race, model-path probe.

Sends a catalogue of malformed REST requests (bodies, types, paths, headers, ranges,
methods) and WebSocket frames (deep, huge, non-UTF-8, wrong fields, garbage mid-stream),
then prints a summary table of how they were answered: 2xx/4xx/5xx, hangs (no answer
within the timeout) and, for WebSocket frames, whether an error envelope came and which
close code ended the connection. Two targeted probes follow:

* quota race: parallel Range requests when little of the monthly quota is left must not
  serve more than is left (needs a pro key of an account with a small quota);
* model-path probe: model names that are paths (existing or not), Hub names and unknown
  names must all get the same answer (no existence probe, no download).

Usage (against a running server; the key must be of the pro tier):
    PYTHONPATH=. python bench/attack.py --url http://127.0.0.1:8000 --key mgk_...

``tests/service/test_attack.py`` runs it against a fresh server process and asserts that
there is no 5xx, no hang, no dropped WebSocket, and that both probes hold.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

API = "/api/v1"
#: Seconds without an answer after which a request counts as a hang.
TIMEOUT_S = 20.0
#: Close codes that end a refused WebSocket properly (RFC 6455).
PROPER_CLOSES = (1000, 1007, 1008, 1009, 1011, 1013)


@dataclass(frozen=True)
class Probe:
    """One REST request of the catalogue."""

    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Send the attack key (False: the headers say everything about auth).
    auth: bool = True


@dataclass
class Outcome:
    """How the server answered one probe or frame."""

    name: str
    status: int | None = None  # HTTP status; None for a hang or a dropped connection
    enveloped: bool = False  # the body was {"error": {"code", "message", "details"}}
    close_code: int | None = None  # WebSocket only
    hang: bool = False
    note: str = ""

    @property
    def kind(self) -> str:
        """2xx, 4xx, 5xx, hang or drop."""
        if self.hang:
            return "hang"
        if self.status is None:
            return "drop"
        return f"{self.status // 100}xx"


def _json(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def _generate_bodies() -> Iterator[tuple[str, bytes]]:
    """Bad bodies for POST /generate (every one must be refused with a 4xx)."""
    base = {"prompt": "calm piano", "duration": 0.5}
    bad_values: dict[str, list[Any]] = {
        "prompt": [
            "",
            " ",
            "\x00",
            "\x00" * 10,
            "\u200b\u200c\ufeff",
            "\x1b[2J",
            "x" * 2001,
            None,
            7,
            ["a"],
            {"a": 1},
            True,
        ],
        "duration": [
            "30",
            True,
            False,
            None,
            -1,
            0,
            1e309,
            10**400,
            1e6,
            "NaN",
            [1],
            {"s": 1},
        ],
        "temperature": ["1", True, 0, -1, 5e-324, 1e300, None, [], {}, "inf"],
        "top_k": ["5", True, -1, 2.5, None, [], "0x10"],
        "top_p": ["1", 0, 1.5, -0.1, True, None, []],
        "seed": ["7", False, True, -1, 2**32, 2**64, 1.5, [], {}],
        "model": [
            "/etc/passwd",
            "../../etc",
            "/root",
            "~root",
            "facebook/musicgen-large",
            "someone/else",
            "nope",
            "",
            5,
            ["composer"],
            "composer\n",
            "x" * 300,
        ],
        "format": ["exe", "WAV", "", None, 1, "../wav"],
    }
    for name, values in bad_values.items():
        for index, value in enumerate(values):
            yield f"generate {name}#{index}", _json({**base, name: value})
    yield "generate unknown field", _json({**base, "colour": "blue"})
    yield "generate no prompt", _json({"duration": 1})
    yield "generate array body", _json([base])
    yield "generate string body", _json("piano")
    yield "generate null body", b"null"
    yield "generate empty body", b""
    yield "generate truncated json", b'{"prompt": "x", "duration":'
    yield "generate trailing garbage", b'{"prompt": "x"} xyz'
    yield "generate single quotes", b"{'prompt': 'x'}"
    yield "generate NaN literal", b'{"prompt": "x", "duration": NaN}'
    yield "generate Infinity literal", b'{"prompt": "x", "temperature": Infinity}'
    yield "generate deep array", b"[" * 20_000 + b"]" * 20_000
    yield "generate deep object", b'{"a":' * 5_000 + b"1" + b"}" * 5_000
    yield "generate invalid utf8", b'{"prompt": "\xff\xfe"}'
    yield "generate lone surrogate", b'{"prompt": "\\ud800"}'
    yield "generate duplicate keys", b'{"prompt": "x", "prompt": ""}'
    yield "generate 1 MB prompt", _json({**base, "prompt": "x" * 1_000_000})


def rest_catalogue() -> list[Probe]:
    """Every REST probe (at least 150)."""
    json_type = {"Content-Type": "application/json"}
    probes = [
        Probe(name, "POST", f"{API}/generate", body, json_type) for name, body in _generate_bodies()
    ]
    good = _json({"prompt": "x", "duration": 0.5})
    probes += [
        Probe(
            "generate as text/plain",
            "POST",
            f"{API}/generate",
            good,
            {"Content-Type": "text/plain"},
        ),
        Probe(
            "generate as form",
            "POST",
            f"{API}/generate",
            b"prompt=x",
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        Probe("generate no content type", "POST", f"{API}/generate", good),
    ]
    batch = [
        ("batch empty", {"requests": []}),
        ("batch too many", {"requests": [{"prompt": "x", "duration": 0.1}] * 300}),
        ("batch one bad", {"requests": [{"prompt": "x"}, {"prompt": ""}]}),
        ("batch not a list", {"requests": {"prompt": "x"}}),
        ("batch null", {"requests": None}),
        ("batch strings", {"requests": ["x", "y"]}),
    ]
    probes += [Probe(n, "POST", f"{API}/generate/batch", _json(b), json_type) for n, b in batch]
    multi = [
        ("multi newline name", {"instruments": {"piano\n": "x"}}),
        ("multi mix name", {"instruments": {"mix": "x"}}),
        ("multi empty", {"instruments": {}}),
        ("multi too many", {"instruments": {f"p{i}": "x" for i in range(9)}}),
        ("multi long name", {"instruments": {"a" * 65: "x"}}),
        ("multi slash name", {"instruments": {"../etc": "x"}}),
        ("multi blank prompt", {"instruments": {"piano": " "}}),
        ("multi nul prompt", {"instruments": {"piano": "\x00"}}),
        ("multi bad preset", {"instruments": {"piano": "x"}, "mix_preset": "../../x"}),
        ("multi list", {"instruments": ["piano"]}),
        ("multi duration text", {"instruments": {"piano": "x"}, "duration": "3"}),
        ("multi model path", {"instruments": {"piano": "x"}, "model": "/root"}),
    ]
    probes += [Probe(n, "POST", f"{API}/multi-instrument", _json(b), json_type) for n, b in multi]
    weird_ids = [
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "x" * 5000,
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
        "%E2%80%8B",
        "1%20OR%201=1",
        "'",
    ]
    for index, task_id in enumerate(weird_ids):
        probes.append(Probe(f"task id #{index}", "GET", f"{API}/generate/{task_id}"))
        probes.append(Probe(f"cancel id #{index}", "POST", f"{API}/generate/{task_id}/cancel"))
        probes.append(Probe(f"delete id #{index}", "DELETE", f"{API}/generate/{task_id}"))
        probes.append(Probe(f"audio id #{index}", "GET", f"{API}/audio/{task_id}"))
        probes.append(Probe(f"batch id #{index}", "GET", f"{API}/generate/batch/{task_id}"))
    auth_headers = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer  x"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer mgk_000000000000_" + "x" * 43},
        {"Authorization": "Bearer mgk_" + "x" * 5000},
        {"Authorization": "Bearer ' OR 1=1 --"},
        {"Authorization": "bearer\tmgk_zz"},
    ]
    for index, headers in enumerate(auth_headers):
        probes.append(Probe(f"auth #{index}", "GET", f"{API}/models", headers=headers, auth=False))
    methods = [
        ("PUT", "/generate"),
        ("PATCH", "/generate/x"),
        ("PUT", "/audio/x"),
        ("DELETE", "/models"),
        ("POST", "/health"),
        ("TRACE", "/models"),
    ]
    probes += [Probe(f"method {m} {p}", m, f"{API}{p}") for m, p in methods]
    probes += [
        Probe("unknown path", "GET", f"{API}/nope"),
        Probe("traversal path", "GET", f"{API}/../../etc/passwd"),
        Probe("query format exe", "GET", f"{API}/audio/{'a' * 24}?format=exe"),
        Probe("query format list", "GET", f"{API}/audio/{'a' * 24}?format=wav&format=mp3"),
    ]
    return probes


def ws_catalogue() -> list[tuple[str, list[str | bytes], bool]]:
    """WebSocket frame sequences: (name, frames, text) with text=False for binary frames.

    Every one must be answered with an error envelope and a proper close code.
    """
    generate = {"type": "generate", "prompt": "x", "duration": 0.5}
    bad_fields: list[dict[str, Any]] = [
        {"prompt": ""},
        {"prompt": "\x00"},
        {"prompt": "\u200b"},
        {"prompt": 5},
        {"duration": "1"},
        {"duration": True},
        {"duration": -1},
        {"duration": 1e9},
        {"temperature": "1"},
        {"temperature": 5e-324},
        {"seed": "7"},
        {"seed": False},
        {"top_k": -1},
        {"top_p": 2},
        {"model": "/root"},
        {"model": "/etc/ssl/private"},
        {"model": "../x"},
        {"model": "nope"},
        {"format": "exe"},
        {"chunk_s": 0},
        {"chunk_s": "1"},
        {"chunk_s": 1e9},
        {"stream": "yes"},
        {"stream": 1},
        {"colour": "blue"},
        {"type": "cancel"},
        {"type": None},
        {"type": "GENERATE"},
        {"duration": {"a": 1}},
        {"prompt": ["x"]},
    ]
    cases: list[tuple[str, list[str | bytes], bool]] = [
        (f"ws field #{i}", [json.dumps({**generate, **change})], True)
        for i, change in enumerate(bad_fields)
    ]
    text_frames = [
        "not json",
        "",
        " ",
        "null",
        "[]",
        "1",
        '"generate"',
        "{",
        "}",
        '{"type":',
        "[" * 30_000 + "]" * 30_000,
        "[" * 100_000,
        '{"a":' * 1500,
        json.dumps({**generate, "prompt": "x" * 70_000}),
        "\x00",
        '{"type": "generate"}',
    ]
    cases += [(f"ws text #{i}", [frame], True) for i, frame in enumerate(text_frames)]
    cases += [
        ("ws invalid utf8 text", [b"\xff\xfe{\x80}"], True),
        ("ws invalid utf8 binary", [b"\xff\xfe{\x80}"], False),
        ("ws overlong utf8", [b"\xc0\xaf"], True),
        ("ws lone surrogate utf8", [b'{"type": "generate", "prompt": "\xed\xa0\x80"}'], True),
        ("ws binary garbage", [bytes(range(256))], False),
        ("ws empty binary", [b""], False),
    ]
    return cases


def _outcome_from_response(name: str, response: httpx.Response) -> Outcome:
    enveloped = False
    try:
        error = response.json().get("error")
        enveloped = isinstance(error, dict) and {"code", "message", "details"} <= set(error)
    except (ValueError, AttributeError):
        pass
    return Outcome(name, status=response.status_code, enveloped=enveloped)


def run_rest(client: httpx.Client, key: str, probes: list[Probe]) -> list[Outcome]:
    """Send every probe; a timeout is a hang."""
    outcomes = []
    for probe in probes:
        headers = dict(probe.headers)
        if probe.auth:
            headers.setdefault("Authorization", f"Bearer {key}")
        try:
            response = client.request(
                probe.method, probe.path, content=probe.body, headers=headers, timeout=TIMEOUT_S
            )
            outcomes.append(_outcome_from_response(probe.name, response))
        except httpx.TimeoutException:
            outcomes.append(Outcome(probe.name, hang=True))
        except httpx.TransportError as exc:
            outcomes.append(Outcome(probe.name, note=type(exc).__name__))
    return outcomes


def run_ws(url: str, key: str, cases: list[tuple[str, list[str | bytes], bool]]) -> list[Outcome]:
    """Open one connection per case, send its frames, read to the close."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    ws_url = url.replace("http", "ws", 1) + f"{API}/ws/stream"
    outcomes = []
    for name, frames, text in cases:
        outcome = Outcome(name)
        try:
            with connect(
                ws_url,
                additional_headers={"Authorization": f"Bearer {key}"},
                open_timeout=TIMEOUT_S,
                close_timeout=2,
                max_size=None,
            ) as ws:
                for frame in frames:
                    ws.send(frame, text=text)
                try:
                    while True:
                        message = json.loads(ws.recv(timeout=TIMEOUT_S))
                        if message.get("type") == "error":
                            outcome.enveloped = True
                except TimeoutError:
                    outcome.hang = True
                except ConnectionClosed:
                    pass
                outcome.close_code = ws.protocol.close_code
                outcome.status = 101
        except (OSError, TimeoutError) as exc:
            outcome.note = type(exc).__name__
        outcomes.append(outcome)
    return outcomes


def stream_survives_garbage(url: str, key: str) -> bool:
    """Garbage frames sent during a stream must not stop it."""
    from websockets.sync.client import connect

    ws_url = url.replace("http", "ws", 1) + f"{API}/ws/stream"
    with connect(
        ws_url, additional_headers={"Authorization": f"Bearer {key}"}, max_size=None
    ) as ws:
        ws.send(json.dumps({"type": "generate", "prompt": "piano", "duration": 2, "chunk_s": 0.5}))
        for frame in ("not json", "[" * 30_000 + "]" * 30_000, '{"type": "unknown"}'):
            ws.send(frame)
        ws.send(b"\xff\xfe", text=False)
        while True:
            message = json.loads(ws.recv(timeout=120))
            if message["type"] not in ("started", "audio_chunk"):
                return bool(message["type"] == "completed")


def quota_race(
    client: httpx.Client, key: str, quota_left_bytes: int, parallel: int = 10
) -> dict[str, int]:
    """Fire ``parallel`` Range requests at once; returns bytes served and statuses.

    The account must have about ``quota_left_bytes`` of its quota left; each request asks for
    a quarter of it, so at most four may be served.
    """
    headers = {"Authorization": f"Bearer {key}"}
    task = client.post(
        f"{API}/generate", json={"prompt": "x", "duration": 1}, headers=headers
    ).json()
    while (status := client.get(f"{API}/generate/{task['task_id']}", headers=headers).json())[
        "status"
    ] not in ("completed", "failed", "cancelled"):
        pass
    url = status["audio_url"]
    span = quota_left_bytes // 4
    ranged = {**headers, "Range": f"bytes=0-{span - 1}"}

    def fetch(_: int) -> httpx.Response:
        return client.get(url, headers=ranged, timeout=TIMEOUT_S)

    with ThreadPoolExecutor(parallel) as pool:
        responses = list(pool.map(fetch, range(parallel)))
    served = sum(len(r.content) for r in responses if r.status_code == 206)
    return {
        "served_bytes": served,
        "quota_left_bytes": quota_left_bytes,
        "ok": sum(r.status_code == 206 for r in responses),
        "refused": sum(r.status_code == 429 for r in responses),
    }


MODEL_PROBES = [
    "/root",
    "/etc/ssl/private",
    "/home/nosuch",
    "/tmp",
    "/",
    "../../etc",
    "~root",
    "facebook/musicgen-large",
    "someone/not-there",
    "nope",
    "C:\\Windows",
]


def model_probe(client: httpx.Client, key: str) -> set[str]:
    """The distinct (status, body) answers to model names that are paths or unserved."""
    answers = set()
    for model in MODEL_PROBES:
        response = client.post(
            f"{API}/generate",
            json={"prompt": "x", "duration": 0.5, "model": model},
            headers={"Authorization": f"Bearer {key}"},
        )
        answers.add(f"{response.status_code} {response.text}")
    return answers


def summary(rest: list[Outcome], ws: list[Outcome]) -> str:
    """The table of outcomes: one row per surface, one column per kind."""
    kinds = ["2xx", "4xx", "5xx", "hang", "drop"]
    lines = [f"{'surface':<8} {'sent':>5} " + " ".join(f"{k:>5}" for k in kinds) + "  envelope"]
    for label, outcomes in (("REST", rest), ("WS", ws)):
        counts = Counter(o.kind for o in outcomes)
        if label == "WS":  # a WebSocket answer is its close code
            counts = Counter(
                "hang" if o.hang else "drop" if o.close_code not in PROPER_CLOSES else "4xx"
                for o in outcomes
            )
        envelope = sum(o.enveloped for o in outcomes)
        lines.append(
            f"{label:<8} {len(outcomes):>5} "
            + " ".join(f"{counts.get(k, 0):>5}" for k in kinds)
            + f"  {envelope}/{len(outcomes)}"
        )
    closes = Counter(o.close_code for o in ws)
    lines.append(
        "WS close codes: " + ", ".join(f"{c}: {n}" for c, n in sorted(closes.items(), key=str))
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None, out: Callable[[str], Any] = print) -> int:
    """Run the catalogue and the probes against ``--url``; exit 1 on any 5xx, hang or drop."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True, help="a pro-tier API key")
    parser.add_argument(
        "--stream-key", help="key for the garbage-in-a-stream probe (default --key)"
    )
    parser.add_argument("--quota-left", type=int, default=0, help="bytes of quota left (race)")
    args = parser.parse_args(argv)
    with httpx.Client(base_url=args.url) as client:
        rest = run_rest(client, args.key, rest_catalogue())
        ws = run_ws(args.url, args.key, ws_catalogue())
        out(summary(rest, ws))
        bad = [o for o in rest if o.kind not in ("4xx", "2xx") or not o.enveloped]
        bad += [o for o in ws if o.hang or o.close_code not in PROPER_CLOSES]
        for outcome in bad:
            out(f"  problem: {outcome}")
        answers = model_probe(client, args.key)
        out(f"model-path probe: {len(answers)} distinct answer(s) to {len(MODEL_PROBES)} names")
        survived = stream_survives_garbage(args.url, args.stream_key or args.key)
        out(f"stream with garbage frames completed: {survived}")
        race_ok = True
        if args.quota_left:
            race = quota_race(client, args.key, args.quota_left)
            race_ok = race["served_bytes"] <= race["quota_left_bytes"]
            out(f"quota race: {race}")
    return 0 if not bad and len(answers) == 1 and survived and race_ok else 1


if __name__ == "__main__":
    sys.exit(main())
