"""The operator's command line: everything an operator does daily, through the Cockpit's public JOC API only
(`/joc/api/...`, login with HTTP Basic, then `X-Access-Token`), so permissions and the audit log apply as in the
browser. It never imports the Cockpit's server code.

Exit codes, the same for every command (scripts may rely on them):

    0  done
    1  the Cockpit refused the operation (JOC's 420 with another code), or `orders watch --until-finished` saw
       an order fail
    2  bad input: a usage error, or the Cockpit named bad input (JOC-400)
    3  not logged in: bad credentials, no stored token, or the session expired (401, 440)
    4  unknown object: the order, workflow, Agent or inventory object is not there (JOC-404)
    5  the Cockpit is unreachable (connection refused, TLS failure, timeout)
    6  not permitted (403)
    7  the Cockpit does not serve this operation (JOC-501)
"""
