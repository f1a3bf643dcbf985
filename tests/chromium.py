"""Headless Chromium driven over the DevTools protocol: load a page, collect console errors, evaluate JS."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0"]


def available() -> str | None:
    """None when Chromium can run here, else the reason it cannot."""
    return None if os.access(CHROMIUM, os.X_OK) else f"{CHROMIUM} not installed (apt-get install -y chromium)"


class Page:
    """One tab of a private headless Chromium; `errors` holds console errors and uncaught exceptions."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.profile = tempfile.mkdtemp(prefix="assay-chromium-")
        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.timeout, self.errors, self._id = timeout, [], 0
        port = self._port()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            target = json.load(response)
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=timeout)
        for method in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.call(method)

    def _port(self) -> int:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            found = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if found:
                return int(found.group(1))
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("chromium did not report its DevTools port")

    def _event(self, message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"{params['entry'].get('source')}: {params['entry']['text']}")

    def call(self, method: str, wait_event: str | None = None, **params) -> dict:
        """Send a command; return its result (after `wait_event`, when given, has arrived)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        result, seen = None, wait_event is None
        deadline = time.monotonic() + self.timeout
        while result is None or not seen:
            if time.monotonic() > deadline:
                raise TimeoutError(f"chromium: no answer to {method}")
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"chromium: {method}: {message['error']}")
                result = message["result"]
            elif message.get("method") == wait_event:
                seen = True
            self._event(message)
        return result

    def load(self, url: str) -> None:
        self.call("Page.navigate", wait_event="Page.loadEventFired", url=url)

    def evaluate(self, expression: str):
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return answer["result"].get("value")

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
