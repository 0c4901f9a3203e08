package main

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestSPASessions is issue #15's session list in the example app, in Chromium, in both token
// modes: each browser sees its own session marked as this device; ending another browser's
// session, or all the others, logs that browser out at its next request, because authgate refuses
// its access token at once (the tokens here live five minutes and are never renewed meanwhile).
func TestSPASessions(t *testing.T) {
	browser := startBrowser(t, 2*time.Minute)
	t.Run("cookie mode", func(t *testing.T) { sessionsStory(t, browser, modeCookie, true) })
	t.Run("localStorage mode", func(t *testing.T) { sessionsStory(t, browser, modeLocalStorage, false) })
}

func sessionsStory(t *testing.T, browser context.Context, mode string, shots bool) {
	s := newSite(t, mode, map[string]string{"AUTHGATE_ACCESS_TOKEN_LIFETIME": "5m"})
	s.e.CreateUser("grace@example.com", password)
	here, laptop := newTab(t, browser), newTab(t, browser)
	defer here.cleanConsole()
	defer laptop.cleanConsole()
	// An account screen's address, opened logged out, asks for the login and then shows it.
	if v := laptop.open(s.appURL + "/account/sessions"); v != "login" {
		t.Fatalf("the sessions' address, logged out, shows %q", v)
	}
	laptop.login("grace@example.com", password)
	laptop.waitView("sessions", 10*time.Second)
	here.open(s.appURL)
	here.loginAs("grace@example.com")
	here.menu("sessions")
	laptop.click("sessions-reload")

	// Both browsers list both sessions; each marks its own, from its access token's sid.
	mine := func(b *tab, n int) (current, other string) {
		t.Helper()
		b.waitFor(`!document.getElementById("session-list").hasAttribute("aria-busy") &&
			document.querySelectorAll("#session-list li").length === `+strconv.Itoa(n), 5*time.Second)
		if got := eval[int](b, `document.querySelectorAll("#session-list li.current").length`); got != 1 {
			t.Fatalf("%d sessions marked current", got)
		}
		if got := eval[string](b, `document.querySelector("#session-list li.current .badge").textContent`); got != "This device" {
			t.Errorf("badge %q", got)
		}
		if got := eval[int](b, `document.querySelectorAll("#session-list li.current button").length`); got != 0 {
			t.Error("this device's session has an end button")
		}
		current = eval[string](b, `document.querySelector("#session-list li.current").dataset.id`)
		if n > 1 {
			other = eval[string](b, `document.querySelector("#session-list li:not(.current)").dataset.id`)
		}
		return current, other
	}
	hereID, laptopSeen := mine(here, 2)
	laptopID, hereSeen := mine(laptop, 2)
	if hereID == laptopID || laptopSeen != laptopID || hereSeen != hereID {
		t.Fatalf("here marks %s (other %s), the laptop marks %s (other %s)", hereID, laptopSeen, laptopID, hereSeen)
	}
	if got := eval[string](here, `document.querySelector("#session-list li:not(.current) button").textContent`); got != "End this session" {
		t.Errorf("end button %q", got)
	}
	if shots {
		here.shot("sessions")
	}

	// Ending the laptop's session here: at its next request the laptop's access token, minutes
	// from its expiry, is refused, and the renewal with its refresh token too.
	here.clickOn(`#session-list button[data-id="` + laptopID + `"]`)
	here.waitText("notice", "The session has been ended: that device is logged out.")
	mine(here, 1)
	laptop.click("sessions-reload")
	laptop.waitView("login", 5*time.Second)
	if got := laptop.text("notice"); got != sessionEnded {
		t.Errorf("laptop notice %q", got)
	}
	if n := requests(s.e, "GET", "/api/sessions/", 401); n != 1 {
		t.Errorf("authgate refused %d session lists, want the laptop's one", n)
	}
	if n := requests(s.e, "POST", "/api/token/refresh/", 401); n != 1 {
		t.Errorf("authgate refused %d renewals, want the laptop's one", n)
	}
	if v := laptop.open(s.appURL); v != "login" {
		t.Errorf("the laptop restored an ended session: %q", v)
	}

	// A session that ended since the list was loaded (its browser logged out) is said to be so.
	phone := newTab(t, browser)
	defer phone.cleanConsole()
	phone.open(s.appURL)
	phone.loginAs("grace@example.com")
	here.click("sessions-reload")
	_, phoneID := mine(here, 2)
	phone.click("logout")
	phone.waitView("login", 5*time.Second)
	here.clickOn(`#session-list button[data-id="` + phoneID + `"]`)
	here.waitText("notice", "That session had ended already.")
	mine(here, 1)

	// "Log out other sessions" (no body: this session is the access token's).
	phone.loginAs("grace@example.com")
	here.click("sessions-reload")
	mine(here, 2)
	here.click("logout-others")
	here.waitText("notice", "1 other session has been logged out.")
	mine(here, 1)
	if !eval[bool](here, `document.getElementById("logout-others").hidden`) {
		t.Error("log out other sessions is offered with no other session")
	}
	phone.click("reload")
	phone.waitView("login", 5*time.Second)
	if n := requests(s.e, "GET", "/api/me/", 401); n != 1 {
		t.Errorf("authgate refused %d profile loads, want the phone's one", n)
	}

	// This browser's session went on through it all.
	if v := here.open(s.appURL); v != "account" {
		t.Fatalf("after a reload this browser shows %q", v)
	}
	for _, path := range []string{"/account/nothing", "/activate/%FF/x"} {
		if v := here.open(s.appURL + path); v != "notfound" {
			t.Errorf("%s shows %q", path, v)
		}
	}
}
