// The votes page, written against the Autobahn|JS-compatible surface exactly as seeds 000/001
// use it: `new autobahn.Connection({url, realm})`, `onopen`, `session.call/subscribe`.
/* global autobahn */
(function () {
  'use strict';

  var flavors = ['banana', 'chocolate', 'lemon'];
  var statusLine = document.getElementById('status');
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button'));

  function routerUrl() {
    var scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    return scheme + '//' + window.location.host + '/ws';
  }

  function setStatus(state, text) {
    statusLine.dataset.state = state;
    statusLine.textContent = text;
  }

  function showVotes(flavor, votes) {
    var cell = document.getElementById('votes-' + flavor);
    if (cell) cell.textContent = String(votes);
  }

  function updateVotes(args) {
    var standing = args[0];
    showVotes(standing.subject, standing.votes);
  }

  function resetVotes() {
    flavors.forEach(function (flavor) {
      showVotes(flavor, 0);
    });
  }

  function main(session) {
    session.subscribe('com.example.votedemo.on_vote', updateVotes);
    session.subscribe('com.example.votedemo.on_reset', resetVotes);

    session.call('com.example.votedemo.get').then(
      function (standings) {
        standings.forEach(function (s) {
          showVotes(s.subject, s.votes);
        });
        setStatus('connected', 'connected as session ' + session.id);
        buttons.forEach(function (b) {
          b.disabled = false;
        });
      },
      function (err) {
        setStatus('error', 'no backend yet: ' + (err.error || err.message));
      },
    );

    flavors.forEach(function (flavor) {
      document.getElementById('vote-' + flavor).onclick = function () {
        session.call('com.example.votedemo.vote', [flavor]).then(function (votes) {
          showVotes(flavor, votes);
        });
      };
    });
    document.getElementById('reset').onclick = function () {
      session.call('com.example.votedemo.reset');
    };
  }

  var connection = new autobahn.Connection({ url: routerUrl(), realm: 'votesapp' });
  connection.onopen = function (session, details) {
    main(session);
  };
  connection.onclose = function (reason, details) {
    buttons.forEach(function (b) {
      b.disabled = true;
    });
    setStatus('closed', 'connection ' + reason + (details.will_retry ? ', retrying…' : ''));
  };
  connection.open();
})();
