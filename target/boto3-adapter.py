#!/usr/bin/env python3
# The boto3 driver's adapter (target/boto3-driver.ts): calls the target through boto3, so that a
# serializer, retry or error-parsing regression of boto3/botocore shows up as rule failures.
# It speaks JSON lines over stdin/stdout, one process per worker:
#
#   stdin, first line:  {"endpoint", "region", "credentials", "timeoutMs", "maxResponseBytes", "threads"}
#   stdout, answer:     {"ready": true, "boto3": {...}, "botocore": {...}}  or  {"fatal": "..."}
#   stdin, then:        {"id", "operation", "input", "dates", "credentials", "region", "singleAttempt"}
#   stdout, per id:     {"id", "kind": "success" | "error" | "failure", ..., "attempts": [...]}
#
# Requests carry an id: up to `threads` are in flight at once (a bounded ThreadPoolExecutor);
# answers come back in the order they finish. EOF on stdin ends the process.
#
#   python3 boto3-adapter.py --probe --model FILE [--sdk PATH]
# prints one line: boto3 and botocore versions and locations, and the members of the run's
# service model that botocore's own model of the service lacks.
import argparse
import datetime
import json
import re
import sys
import threading
import time

SERVICE = 'meteringmarketplace'
# Bodies kept in the recorded exchanges (the raw driver keeps as much).
RECORDED_BODY_LIMIT = 64 * 1024
REDACTED_HEADERS = {'authorization', 'x-amz-security-token'}


def emit(obj, lock=threading.Lock()):
    line = json.dumps(obj, separators=(',', ':'), default=str)
    with lock:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()


def import_boto3():
    """boto3 and botocore, or a one-line answer naming what is missing (exit 3)."""
    try:
        import boto3
        import botocore
    except ImportError as error:
        emit({'missing': getattr(error, 'name', None) or 'boto3', 'message': str(error), 'python': sys.version.split()[0], 'executable': sys.executable})
        sys.exit(3)
    return boto3, botocore


def versions(boto3, botocore):
    return {
        'boto3': {'version': boto3.__version__, 'location': boto3.__path__[0] if hasattr(boto3, '__path__') else boto3.__file__},
        'botocore': {'version': botocore.__version__, 'location': botocore.__path__[0] if hasattr(botocore, '__path__') else botocore.__file__},
        'python': sys.version.split()[0],
    }


# ---- probe: does botocore's model of the service have every member the run's model has? ------

def model_gaps(run_model, service_model):
    """Paths (operations.X, shapes.S, shapes.S.members.M, in the run model's shape names) botocore lacks."""
    gaps = []
    seen = set()
    shapes = run_model.get('shapes', {})

    def walk(name, theirs):
        if name in seen or name not in shapes:
            return
        seen.add(name)
        ours = shapes[name]
        kind = ours.get('type')
        if kind == 'structure':
            their_members = getattr(theirs, 'members', {}) or {}
            for member, ref in ours.get('members', {}).items():
                if member not in their_members:
                    gaps.append(f'shapes.{name}.members.{member}')
                else:
                    walk(ref['shape'], their_members[member])
        elif kind == 'list' and getattr(theirs, 'member', None) is not None:
            walk(ours['member']['shape'], theirs.member)
        elif kind == 'map' and getattr(theirs, 'value', None) is not None:
            walk(ours['value']['shape'], theirs.value)

    names = service_model.operation_names
    for operation, spec in run_model.get('operations', {}).items():
        if operation not in names:
            gaps.append(f'operations.{operation}')
            continue
        theirs = service_model.operation_model(operation)
        if 'input' in spec and theirs.input_shape is not None:
            walk(spec['input']['shape'], theirs.input_shape)
        if 'output' in spec and theirs.output_shape is not None:
            walk(spec['output']['shape'], theirs.output_shape)
        their_errors = {e.name for e in theirs.error_shapes}
        for error in spec.get('errors', []):
            path = f"shapes.{error['shape']}"
            if error['shape'] not in their_errors and path not in gaps:
                gaps.append(path)
    return gaps


def probe(model_file):
    boto3, botocore = import_boto3()
    import botocore.session
    session = botocore.session.get_session()
    service_model = session.get_service_model(SERVICE)
    gaps = []
    if model_file:
        with open(model_file, encoding='utf-8') as f:
            gaps = model_gaps(json.load(f), service_model)
    emit({**versions(boto3, botocore), 'apiVersion': service_model.api_version, 'missingMembers': gaps})


# ---- serving calls ----------------------------------------------------------------------------

def serve():
    boto3, botocore = import_boto3()
    from concurrent.futures import ThreadPoolExecutor
    from botocore.config import Config
    from botocore.credentials import Credentials
    from botocore.exceptions import ClientError, ConnectionClosedError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
    from botocore.parsers import ResponseParserError
    from botocore.retries import quota

    config = json.loads(sys.stdin.readline() or '{}')
    timeout_s = max(0.1, config.get('timeoutMs', 30000) / 1000)
    max_response = int(config.get('maxResponseBytes', 1 << 20))
    threads = int(config.get('threads', 8))
    base = config['credentials']

    # botocore's standard retry mode keeps one retry-token bucket per client (500 tokens, 5 per
    # retry). An application's client serves one caller; this adapter's one client serves every
    # caller of the run (thousands), so one caller's throttled answers would use up the retries of
    # all the others and their verdicts would depend on the order rules ran in. The bucket is made
    # large enough never to run dry, which is what one client per caller gives (the JS SDK driver).
    class CallerRetryQuota(quota.RetryQuota):
        def __init__(self, initial_capacity=10 ** 9, lock=None):
            super().__init__(initial_capacity, lock)

    quota.RetryQuota = CallerRetryQuota

    session = boto3.session.Session(
        aws_access_key_id=base['accessKeyId'],
        aws_secret_access_key=base['secretAccessKey'],
        aws_session_token=base.get('sessionToken'),
        region_name=config['region'],
    )

    # Per-call state lives in a thread-local. botocore runs a call, its retries included, on the
    # thread that invoked the client method (serialize, sign, send, parse, sleep, re-sign), and
    # each call is one task of the executor, so the event handlers below, which run on that
    # thread, read exactly their call's credentials and record exactly their call's attempts,
    # while other threads run other calls through the same client at the same time.
    local = threading.local()

    def before_sign(request, **_):
        # Per-request credentials: botocore's signer takes request.context['signing']
        # ['request_credentials'] over the client's own (RequestSigner.sign), for every attempt.
        # The client keeps the base credentials, so nothing is looked up from the environment.
        state = getattr(local, 'state', None)
        if state is not None and state['credentials'] is not None:
            request.context.setdefault('signing', {})['request_credentials'] = state['credentials']

    def before_send(request, **_):
        state = getattr(local, 'state', None)
        if state is None:
            return None
        body = request.body
        if hasattr(body, 'read'):
            body = b''
        if isinstance(body, str):
            body = body.encode('utf-8')
        headers = {}
        for name, value in request.headers.items():
            value = value.decode('utf-8', 'replace') if isinstance(value, bytes) else str(value)
            headers[name.lower()] = redact(name.lower(), value)
        state['attempts'].append({
            'request': {'method': request.method, 'url': request.url, 'headers': headers, 'body': (body or b'')[:RECORDED_BODY_LIMIT].decode('utf-8', 'replace')},
            'startedAtMs': int(time.time() * 1000),
            '_t0': time.monotonic(),
        })
        return None  # send it

    def response_received(response_dict=None, exception=None, **_):
        state = getattr(local, 'state', None)
        if state is None or not state['attempts']:
            return
        attempt = state['attempts'][-1]
        attempt['durationMs'] = int((time.monotonic() - attempt.pop('_t0', time.monotonic())) * 1000)
        if response_dict is not None:
            body = response_dict.get('body') or b''
            if isinstance(body, str):
                body = body.encode('utf-8')
            status = response_dict.get('status_code')
            attempt['response'] = {
                'status': status,
                'headers': {k.lower(): str(v) for k, v in response_dict.get('headers', {}).items()},
                'body': body[:RECORDED_BODY_LIMIT].decode('utf-8', 'replace'),
            }
            attempt['_size'] = len(body)
            attempt['_body'] = body if 200 <= (status or 0) < 300 else None
        elif exception is not None:
            attempt['error'] = f'{type(exception).__name__}: {exception}'

    clients = {}
    clients_lock = threading.Lock()

    def client_for(region, attempts):
        """One client per Region and attempt count, made once: a client costs milliseconds, a run makes thousands of calls."""
        key = (region, attempts)
        with clients_lock:
            client = clients.get(key)
            if client is None:
                client = session.client(
                    SERVICE,
                    endpoint_url=config['endpoint'],
                    region_name=region,
                    verify=config.get('caFile'),
                    config=Config(
                        parameter_validation=False,
                        retries={'mode': 'standard', 'total_max_attempts': attempts},
                        connect_timeout=min(5.0, timeout_s),
                        read_timeout=timeout_s,
                        max_pool_connections=threads,
                    ),
                )
                events = client.meta.events
                events.register('before-sign', before_sign)
                events.register('before-send', before_send)
                events.register('response-received', response_received)
                clients[key] = client
            return client

    default_client = client_for(config['region'], 3)
    modeled = {name for name in dir(default_client.exceptions) if not name.startswith('_') and isinstance(getattr(default_client.exceptions, name), type)}

    def to_input(value, dates):
        for path in dates:
            set_path(value, path, lambda ms: datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=ms))
        return value

    def attempts_of(state):
        return [{k: v for k, v in a.items() if not k.startswith('_')} for a in state['attempts']]

    def handle(request):
        rid = request['id']
        creds = request.get('credentials')
        state = {
            'credentials': Credentials(creds['accessKeyId'], creds['secretAccessKey'], creds.get('sessionToken')) if creds else None,
            'attempts': [],
        }
        local.state = state
        try:
            client = client_for(request.get('region') or config['region'], 1 if request.get('singleAttempt') else 3)
            params = to_input(request.get('input') or {}, request.get('dates') or [])
            method = getattr(client, botocore.xform_name(request['operation']))
            try:
                result = method(**params)
            except ClientError as error:
                response = error.response or {}
                err = response.get('Error', {})
                meta = response.get('ResponseMetadata', {})
                last = state['attempts'][-1] if state['attempts'] else {}
                if last.get('_size', 0) > max_response:
                    return failure(rid, state, f'answered with a body larger than {max_response} bytes')
                name = type(error).__name__
                emit({
                    'id': rid, 'kind': 'error',
                    # A modeled exception class (client.exceptions.X), or ClientError for a code the model does not name.
                    'errorClass': name if name in modeled else 'ClientError',
                    'code': err.get('Code', ''),
                    **({'message': err['Message']} if isinstance(err.get('Message'), str) else {}),
                    'status': meta.get('HTTPStatusCode'),
                    **({'requestId': meta['RequestId']} if meta.get('RequestId') else {}),
                    'headers': {k.lower(): str(v) for k, v in (meta.get('HTTPHeaders') or {}).items()},
                    'retries': meta.get('RetryAttempts', 0),
                    'attempts': attempts_of(state),
                })
                return
            meta = result.pop('ResponseMetadata', {})
            last = state['attempts'][-1] if state['attempts'] else {}
            status = meta.get('HTTPStatusCode', 200)
            if last.get('_size', 0) > max_response:
                return failure(rid, state, f'answered with a body larger than {max_response} bytes')
            # botocore reads an empty or non-JSON 2xx body as an empty output; the other drivers
            # refuse both, so a target answering garbage is an error here too, never a pass.
            raw = last.get('_body')
            if raw is not None:
                if raw.strip() == b'':
                    return failure(rid, state, f'answered HTTP {status} with an empty body; expected a JSON object')
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    parsed = None
                if not isinstance(parsed, dict):
                    return failure(rid, state, f'answered HTTP {status} with a body that is not a JSON object: {preview(raw)}')
            emit({
                'id': rid, 'kind': 'success',
                'status': status,
                **({'requestId': meta['RequestId']} if meta.get('RequestId') else {}),
                'headers': {k.lower(): str(v) for k, v in (meta.get('HTTPHeaders') or {}).items()},
                'retries': meta.get('RetryAttempts', 0),
                'output': to_json(result),
                'attempts': attempts_of(state),
            })
        except (ReadTimeoutError, ConnectTimeoutError) as error:
            failure(rid, state, f'did not finish answering within {int(timeout_s * 1000)} ms ({type(error).__name__})', 'timeout')
        except ConnectionClosedError:
            failure(rid, state, 'closed or reset the connection before answering', 'reset')
        except EndpointConnectionError as error:
            failure(rid, state, f'could not be reached through boto3: {error}', 'unreachable')
        except ResponseParserError as error:
            failure(rid, state, f'answered garbage through boto3: {first_line(error)}', 'garbage')
        except Exception as error:  # noqa: BLE001 - every call gets an answer line
            failure(rid, state, f'could not be reached or answered garbage through boto3: {type(error).__name__}: {first_line(error)}', 'other')
        finally:
            local.state = None

    def failure(rid, state, message, reason='unusable'):
        emit({'id': rid, 'kind': 'failure', 'reason': reason, 'message': message, 'attempts': attempts_of(state)})

    emit({'ready': True, **versions(boto3, botocore)})
    with ThreadPoolExecutor(max_workers=threads) as executor:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                request = json.loads(line)
            except ValueError:
                emit({'fatal': f'unreadable request line: {line[:80]!r}'})
                continue
            executor.submit(handle, request)


def set_path(value, path, convert):
    """Replaces the leaf at `path` (keys and list indexes) of `value` by convert(leaf)."""
    if not path:
        return
    node = value
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = convert(node[path[-1]])


def to_json(value):
    """Parsed output as JSON: datetimes as ISO-8601 text (UTC, milliseconds). The service has no blob members."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def redact(name, value):
    if name == 'authorization':
        # As the other drivers redact: the signature, and the access key id of the credential scope.
        return re.sub(r'Signature=[0-9a-f]+|Credential=[^/,\s]+', lambda m: m.group(0).split('=')[0] + '=<redacted>', value)
    return '<redacted>' if name in REDACTED_HEADERS else value


def first_line(error):
    return (str(error).strip().splitlines() or [''])[0]


def preview(raw):
    flat = ' '.join(raw.decode('utf-8', 'replace').split())
    return flat[:120] + '…' if len(flat) > 120 else flat


def main():
    parser = argparse.ArgumentParser(description='metering-conformance boto3 adapter')
    parser.add_argument('--sdk', action='append', default=[], help='a boto3/botocore source tree, put first on sys.path')
    parser.add_argument('--probe', action='store_true')
    parser.add_argument('--model')
    args = parser.parse_args()
    sys.path[0:0] = args.sdk
    if args.probe:
        probe(args.model)
    else:
        serve()


if __name__ == '__main__':
    main()
