"""Serves one Crossbar `wsgi` or `resource` web path for an Interchange node.

The node starts this script once per such path (see
packages/server/src/web/python-web-service.ts) with the path's spec as the first line of
stdin, which the node keeps open: end of input means the node is gone, and the script exits.
It serves HTTP on a Unix socket in a directory only the node's user can enter; the node's
`reverseproxy` implementation (packages/server/src/web/reverse-proxy.ts) forwards the path's
requests there.

- ``{"kind": "wsgi", "module": ..., "object": ..., "minthreads": 0, "maxthreads": 20}``: the
  WSGI application ``module.object`` runs in Twisted's WSGI container on a thread pool of that
  size, so requests are served concurrently, as Crossbar does.
- ``{"kind": "resource", "classname": "pkg.mod.Class", "extra": {...}}``: a Twisted Web
  resource, made as ``Class(extra)``, as Crossbar does.

Both are mounted at the same URL path (``mount``, a list of segments) as in the node, so
``SCRIPT_NAME``, ``request.prepath`` and the URLs an application builds come out as under
Crossbar. Host, scheme, port and client address are taken from the ``X-Forwarded-*`` and
``X-Real-IP`` headers the node's proxy sets: only the node can reach the socket.

An exception escaping the application gives the client a 500 with a JSON body; the traceback
goes to stderr, which the node logs. Status goes to the node as JSON lines on fd 3: ``ready``
once listening, ``error`` when the module or class cannot be loaded (exit code 2).
"""

import importlib
import json
import os
import signal
import sys
import traceback

from interchange_channel import LoadError, NodeChannel, add_pythonpath, load_object, read_spec, watch_stdin

EXIT_LOAD_FAILED = 2


def error_body(what, exc_type):
    body = {"error": what}
    if exc_type is not None:
        body["exception"] = exc_type.__name__
    return json.dumps(body).encode("utf-8")


class GuardedWsgiApp:
    """Wraps a WSGI application: an exception before the first byte is sent becomes a JSON 500."""

    def __init__(self, app):
        self._app = app

    def __call__(self, environ, start_response):
        result = None
        try:
            result = self._app(environ, start_response)
            iterator = iter(result)
            first = next(iterator, None)
        except Exception:
            exc_info = sys.exc_info()
            traceback.print_exception(*exc_info)
            close = getattr(result, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    traceback.print_exc()
            body = error_body("the WSGI application failed", exc_info[0])
            # With exc_info, WSGI allows replacing headers not sent yet (PEP 3333).
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))],
                exc_info,
            )
            return [body]
        return Rest(first, iterator, result)


class Rest:
    """The response after its first chunk, keeping the application's `close`."""

    def __init__(self, first, iterator, result):
        self._first = first
        self._iterator = iterator
        self._result = result

    def __iter__(self):
        if self._first is not None:
            yield self._first
        yield from self._iterator

    def close(self):
        close = getattr(self._result, "close", None)
        if close is not None:
            close()


def load_wsgi(spec):
    module_name = spec["module"]
    try:
        module = importlib.import_module(module_name)
    except Exception as e:
        raise LoadError('WSGI app module "{}" import failed: {}: {} (Python path: {})'.format(
            module_name, type(e).__name__, e, sys.path))
    name = spec["object"]
    if name not in module.__dict__:
        raise LoadError('WSGI app object "{}" not in module "{}"'.format(name, module_name))
    return getattr(module, name)


def load_resource(spec):
    classname = spec["classname"]
    try:
        make = load_object(classname)
        return make(spec.get("extra", {}))
    except Exception as e:
        raise LoadError("failed to import class '{}': {}: {}".format(classname, type(e).__name__, e))


def main():
    status = NodeChannel(3)
    spec = read_spec()
    add_pythonpath(spec.get("pythonpath"))

    from twisted.internet import reactor
    from twisted.internet.address import IPv4Address, IPv6Address
    from twisted.python.threadpool import ThreadPool
    from twisted.web import resource, server
    from twisted.web.wsgi import WSGIResource

    class ProxiedRequest(server.Request):
        """A request as the client made it to the node, from the proxy's headers."""

        def process(self):
            self._apply_forwarded()
            super().process()

        def _header(self, name):
            value = self.getHeader(name)
            return None if value is None else value.split(",")[0].strip()

        def _apply_forwarded(self):
            client = self._header("x-real-ip") or "127.0.0.1"
            # An IPv4 client of a dual-stack listener, as an IPv4 listener would report it.
            if client.startswith("::ffff:") and "." in client:
                client = client[len("::ffff:"):]
            self.client = (IPv6Address if ":" in client else IPv4Address)("TCP", client, 0)
            secure = self._header("x-forwarded-proto") == "https"
            host = self._header("x-forwarded-host") or self._header("host") or "localhost"
            port = self._header("x-forwarded-port")
            if host.startswith("["):
                name = host[: host.find("]") + 1]
            else:
                name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
            try:
                port = int(port)
            except (TypeError, ValueError):
                port = 443 if secure else 80
            self.setHost(name.encode("utf-8"), port, 1 if secure else 0)
            # setHost writes the Host header without the default port; keep the one the client sent.
            self.requestHeaders.setRawHeaders(b"host", [host.encode("utf-8")])

        def processingFailed(self, reason):
            sys.stderr.write(reason.getTraceback())
            if self.startedWriting or self.finished:
                self.loseConnection()
                return None
            body = error_body("the web resource failed", reason.type)
            self.setResponseCode(500)
            self.responseHeaders.setRawHeaders(b"content-type", [b"application/json; charset=utf-8"])
            self.setHeader(b"content-length", str(len(body)).encode("ascii"))
            self.write(body)
            self.finish()
            return reason

    pool = None
    try:
        if spec["kind"] == "wsgi":
            app = load_wsgi(spec)
            pool = ThreadPool(minthreads=spec["minthreads"], maxthreads=spec["maxthreads"], name="wsgi")
            leaf = WSGIResource(reactor, pool, GuardedWsgiApp(app))
        else:
            leaf = load_resource(spec)
    except LoadError as e:
        status.report("error", message=str(e))
        traceback.print_exc()
        sys.exit(EXIT_LOAD_FAILED)

    # The same URL path as in the node, so that the application sees the prefix it is mounted at.
    root = leaf
    for segment in reversed(spec["mount"]):
        parent = resource.Resource()
        parent.putChild(segment.encode("utf-8"), root)
        root = parent
    site = server.Site(root)
    site.requestFactory = ProxiedRequest
    site.displayTracebacks = False

    if pool is not None:
        pool.start()
        reactor.addSystemEventTrigger("before", "shutdown", pool.stop)

    socket_path = spec["socket"]
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    reactor.listenUNIX(socket_path, site, mode=0o600)

    def stop(*_):
        reactor.callFromThread(reactor.stop)

    # The node keeps stdin open while it runs: end of input means it is gone.
    watch_stdin(lambda line: None, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    reactor.callWhenRunning(status.report, "ready")
    reactor.run(installSignalHandlers=False)


if __name__ == "__main__":
    main()
