// The votes page, on the typed client of the core build (`interchange.Connection`). It recovers
// by itself: the connection reconnects after the node restarts (also after its graceful
// GOODBYE wamp.close.system_shutdown), `resubscribe` restores the two subscriptions on the new
// session, and the standings are fetched again on each session, and again every few seconds
// while there is no backend yet.
/* global interchange */
(function () {
  'use strict';

  var flavors = ['banana', 'chocolate', 'lemon'];
  var statusLine = document.getElementById('status');
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button'));
  var BACKEND_RETRY_MS = 2000;

  function routerUrl() {
    var scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    return scheme + '//' + window.location.host + '/ws';
  }

  function setStatus(state, text) {
    statusLine.dataset.state = state;
    statusLine.textContent = text;
  }

  function enable(on) {
    buttons.forEach(function (b) {
      b.disabled = !on;
    });
  }

  function showVotes(flavor, votes) {
    var cell = document.getElementById('votes-' + flavor);
    if (cell) cell.textContent = String(votes);
  }

  function onVote(event) {
    var standing = event.args[0];
    showVotes(standing.subject, standing.votes);
  }

  function onReset() {
    flavors.forEach(function (flavor) {
      showVotes(flavor, 0);
    });
  }

  var connection = new interchange.Connection({
    url: routerUrl(),
    realm: 'votesapp',
    resubscribe: true,
    max_retries: -1,
    initial_retry_delay: 0.5,
    max_retry_delay: 5,
  });

  // The standings of this session; while no backend has registered them, asked again later.
  function loadStandings(session) {
    session.call('com.example.votedemo.get').then(
      function (result) {
        result.args[0].forEach(function (s) {
          showVotes(s.subject, s.votes);
        });
        setStatus('connected', 'connected as session ' + session.id);
        enable(true);
      },
      function (err) {
        if (!session.isOpen) return;
        setStatus('waiting', 'no backend yet: ' + (err.uri || err.message));
        setTimeout(function () {
          if (session.isOpen) loadStandings(session);
        }, BACKEND_RETRY_MS);
      },
    );
  }

  function call(procedure, args) {
    var session = connection.session;
    return session ? session.call(procedure, args) : Promise.reject(new Error('not connected'));
  }

  flavors.forEach(function (flavor) {
    document.getElementById('vote-' + flavor).onclick = function () {
      call('com.example.votedemo.vote', [flavor]).then(function (result) {
        showVotes(flavor, result.args[0]);
      });
    };
  });
  document.getElementById('reset').onclick = function () {
    call('com.example.votedemo.reset');
  };

  var subscribed = false; // once both are made, resubscribe restores them after a reconnect
  connection.onopen = function (session) {
    if (!subscribed) {
      Promise.all([
        session.subscribe('com.example.votedemo.on_vote', onVote),
        session.subscribe('com.example.votedemo.on_reset', onReset),
      ]).then(function () {
        subscribed = true;
      });
    }
    loadStandings(session);
  };
  connection.onrestore = function (report) {
    // Not restored (refused by the router): subscribe again in onopen, which follows.
    if (report.failed.length > 0) subscribed = false;
  };
  connection.onclose = function (reason, details) {
    enable(false);
    setStatus('closed', 'connection ' + reason + (details.will_retry ? ', retrying…' : ''));
  };
  connection.open();
})();
