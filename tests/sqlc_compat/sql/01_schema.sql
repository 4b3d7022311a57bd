--
-- PostgreSQL database dump, as pg_dump 17.6 writes it (psql meta-commands included).
--

\restrict Xq8mGPoo2Tl7lBQlyb0p

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);

CREATE SCHEMA public;

CREATE TYPE public.order_status AS ENUM ('open', 'paid', 'shipped');

CREATE TABLE public.customers (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    email text,
    referred_by bigint REFERENCES public.customers (id)
);;

CREATE TABLE public.statuses (
    code text PRIMARY KEY,
    label text NOT NULL
);

\unrestrict Xq8mGPoo2Tl7lBQlyb0p
