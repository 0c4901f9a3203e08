// Package djangoimport moves a Django + SimpleJWT deployment's users and refresh tokens into
// authgate from `manage.py dumpdata` JSON, keeping user ids and password hashes, so users log in
// with their old passwords and their refresh tokens keep working or stay blacklisted.
package djangoimport
