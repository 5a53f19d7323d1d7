#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol (--remote-debugging-pipe), the way a
person uses a page: open it, tap fields and type, choose a photo, tap buttons, look.

Usage: cdp.py SCRIPT.json   (the result, JSON, on standard output; exit 1 on a failed step)

SCRIPT: {"chromium": path, "profile": dir, "base": "http://127.0.0.1:PORT", "width": W,
         "height": H, "shots": dir, "steps": [STEP, ...]}
STEP, one of:
  {"go": "/m/login"}                       open a page and wait for it to load
  {"type": "css", "text": "..."}           tap a field and type into it
  {"choose": "css", "value": "v"}          choose an option of a <select>
  {"file": "css", "path": "/abs/file"}     choose a file for an <input type=file>
  {"open": "css"}                          open a <details> (tap its summary)
  {"tap": "css"}                           tap a button or link; waits for the next page
  {"wait": "js expression"}                wait until it is true (10 s at most)
  {"see": "text"} / {"absent": "text"}     the page shows / does not show this text
  {"shot": "name"}                         screenshot NAME.png in `shots`, with measures
Only the standard library: os.pipe, subprocess, json.
"""
import base64
import fcntl
import json
import os
import subprocess
import sys
import time


class Failure(Exception):
    pass


class Browser:
    def __init__(self, chromium, profile, width, height):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # Out of the way of 3 and 4 before they are placed there in the child.
        high_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 20)
        high_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 20)
        os.close(to_child_r)
        os.close(from_child_w)

        def place():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--force-device-scale-factor=1", "--no-first-run", "--no-default-browser-check", "--remote-debugging-pipe",
             "--user-data-dir=" + profile, "--window-size=%d,%d" % (width, height), "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=place, pass_fds=(3, 4))
        os.close(high_r)
        os.close(high_w)
        self.next_id = 0
        self.buffer = b""
        self.events = []
        self.session = None
        self.width, self.height = width, height

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        deadline = time.time() + 30
        while True:
            reply = self.read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Failure("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def read(self, deadline):
        while b"\0" not in self.buffer:
            if time.time() > deadline:
                raise Failure("no answer from chromium")
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise Failure("chromium exited")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_event(self, name, seconds=20):
        deadline = time.time() + seconds
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == name:
                    del self.events[: i + 1]
                    return e
            self.events.append(self.read(deadline))

    def open(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("DOM.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": self.width < 600})

    def js(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise Failure("script failed: %s" % r["exceptionDetails"].get("text"))
        return r.get("result", {}).get("value")

    def go(self, url):
        self.js("window.__ljOldPage = true")
        self.send("Page.navigate", {"url": url})
        self.wait_for("!window.__ljOldPage && document.readyState === 'complete'")

    def center(self, selector, seconds=10):
        # Scroll it into view, wait for the layout to settle (images arriving move it), and
        # until it is on the screen and nothing covers it: on a loaded machine a picture or
        # a font can still arrive after the layout looked settled, so a failed check is
        # tried again until the deadline rather than failing at once.
        deadline = time.time() + seconds
        while True:
            try:
                return self.center_once(selector)
            except Failure:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    def center_once(self, selector):
        measure = ("(function(){var e=document.querySelector(%s); if(!e) return null; e.scrollIntoView({block:'center'});"
                   "var r=e.getBoundingClientRect(); return [r.left+r.width/2, r.top+r.height/2, r.width, r.height];})()"
                   % json.dumps(selector))
        box = self.js(measure)
        for _ in range(40):
            if not box:
                break
            time.sleep(0.05)
            again = self.js(measure)
            if again == box and self.js("Array.prototype.every.call(document.images, function(i){return i.complete;})"):
                break
            box = again
        if not box:
            raise Failure("nothing on the page matches %s" % selector)
        if box[2] <= 0 or box[3] <= 0:
            raise Failure("%s is not visible" % selector)
        x, y = box[0], box[1]
        if x < 0 or x > self.width or y < 0 or y > self.height:
            raise Failure("%s is outside the screen at %d,%d" % (selector, x, y))
        hit = self.js("(function(){var e=document.elementFromPoint(%f,%f), t=document.querySelector(%s);"
                      "return !!e && (e===t || t.contains(e) || e.contains(t) || (e.control===t));})()" % (x, y, json.dumps(selector)))
        if not hit:
            raise Failure("%s is covered by something else" % selector)
        return x, y

    def tap(self, selector):
        x, y = self.center(selector)
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def wait_for(self, expression, seconds=10):
        deadline = time.time() + seconds
        while True:
            try:
                if self.js(expression):
                    return
            except Failure:
                pass  # the page is between documents
            if time.time() > deadline:
                raise Failure("waited in vain for %s" % expression)
            time.sleep(0.03)

    def shot(self, path):
        measures = self.js("({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,"
                           " textLength: document.body ? document.body.innerText.length : 0, title: document.title})")
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        measures["path"] = path
        return measures

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run(script):
    b = Browser(script["chromium"], script["profile"], script["width"], script["height"])
    shots = []
    done = 0
    try:
        b.open()
        for step in script["steps"]:
            if "go" in step:
                b.go(script["base"] + step["go"])
            elif "type" in step:
                b.tap(step["type"])
                b.js("document.querySelector(%s).value=''" % json.dumps(step["type"]))
                b.send("Input.insertText", {"text": step["text"]})
            elif "choose" in step:
                ok = b.js("(function(){var e=document.querySelector(%s); if(!e) return false; e.value=%s;"
                          "e.dispatchEvent(new Event('change',{bubbles:true})); return e.value===%s;})()"
                          % (json.dumps(step["choose"]), json.dumps(step["value"]), json.dumps(step["value"])))
                if not ok:
                    raise Failure("cannot choose %s in %s" % (step["value"], step["choose"]))
            elif "file" in step:
                root = b.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
                node = b.send("DOM.querySelector", {"nodeId": root, "selector": step["file"]})["nodeId"]
                if not node:
                    raise Failure("no file input %s" % step["file"])
                b.send("DOM.setFileInputFiles", {"nodeId": node, "files": [step["path"]]})
            elif "open" in step:
                b.tap(step["open"] + " > summary")
            elif "tap" in step:
                # A mark on the old page: the next page has none, and is complete.
                b.js("window.__ljOldPage = true")
                b.tap(step["tap"])
                b.wait_for("!window.__ljOldPage && document.readyState === 'complete'")
            elif "wait" in step:
                b.wait_for(step["wait"])
            elif "see" in step:
                if step["see"] not in (b.js("document.body.innerText") or ""):
                    raise Failure("the page %s does not show %r; it shows: %s" % (b.js("location.href"), step["see"],
                                                                               (b.js("document.documentElement.outerHTML") or "")[:1500]))
            elif "absent" in step:
                if step["absent"] in (b.js("document.body.innerText") or ""):
                    raise Failure("the page shows %r" % step["absent"])
            elif "shot" in step:
                shots.append(dict(b.shot(os.path.join(script["shots"], step["shot"] + ".png")), name=step["shot"]))
            else:
                raise Failure("unknown step %s" % step)
            done += 1
        return {"ok": True, "steps": done, "shots": shots}
    except Failure as e:
        return {"ok": False, "steps": done, "failed": script["steps"][done] if done < len(script["steps"]) else None,
                "error": str(e), "shots": shots}
    finally:
        b.close()


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        result = run(json.load(f))
    print(json.dumps(result, ensure_ascii=False))
    sys.exit(0 if result["ok"] else 1)
